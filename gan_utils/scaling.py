"""Measuring and scaling training (introduced in lesson 08; used by the throughput benchmark).

* `split_cpu`: shows the CPU as several logical devices, so that `tf.distribute` strategies
  run on a machine without GPUs (the lesson and the test suite use two).
* `measure_throughput`: training steps per second of a `fit`, after the warm-up steps that
  trace (and with `jit_compile`, compile) the train step.
* `time_in_turns`: seconds per step of several models timed in turns, so that a machine whose
  speed drifts meets them all alike (used by lesson 10).
"""

import time

import keras
import numpy as np
import tensorflow as tf

__all__ = ["measure_throughput", "split_cpu", "time_in_turns"]


def split_cpu(count=2):
    """Present the CPU as `count` logical devices and return their names, "/CPU:0" ….

    TensorFlow fixes its devices the first time it uses them (the first tensor, model or
    dataset), so call this right after the imports. The logical devices share the same cores:
    they make multi-device code run here, not faster.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    if len(tf.config.get_logical_device_configuration(cpu) or []) != count:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * count
            )
        except RuntimeError as error:
            raise RuntimeError(
                f"TensorFlow has already set up its devices, so the CPU cannot be split into "
                f"{count} any more: restart the kernel (or process) and call split_cpu({count}) "
                "before creating any tensor, model or dataset."
            ) from error
    return [f"/CPU:{index}" for index in range(count)]


class _StepClock(keras.callbacks.Callback):
    """Starts a clock when the warm-up steps are done and stops it when `fit` ends."""

    def __init__(self, warmup_steps):
        super().__init__()
        self.warmup_steps = warmup_steps
        self.started = self.stopped = None

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == self.warmup_steps:
            self.started = time.perf_counter()

    def on_train_end(self, logs=None):
        self.stopped = time.perf_counter()


def measure_throughput(model, dataset, steps, warmup_steps=2, callbacks=()):
    """Train `model` for `warmup_steps` + `steps` steps and time the last `steps`.

    Args:
        model: a compiled model; `fit` runs its train step.
        dataset: a repeating `tf.data.Dataset` of batches (`.repeat()`).
        steps: how many steps to time.
        warmup_steps: untimed steps first; the first step traces the train step into a graph
            (and compiles it with XLA under `jit_compile=True`), which takes seconds.
        callbacks: more callbacks for the `fit`, e.g. a lesson's `ResultsRecorder`.

    Returns:
        {"steps": steps, "seconds": …, "steps_per_second": …}.
    """
    if warmup_steps < 1 or steps < 1:
        raise ValueError(f"need warmup_steps >= 1 and steps >= 1, got {warmup_steps}, {steps}")
    clock = _StepClock(warmup_steps)
    model.fit(dataset, epochs=1, steps_per_epoch=warmup_steps + steps, shuffle=False,
              verbose=0, callbacks=[clock, *callbacks])
    seconds = clock.stopped - clock.started
    return {"steps": steps, "seconds": seconds, "steps_per_second": steps / seconds}


def time_in_turns(models, dataset, steps, rounds=3, warmup_steps=1):
    """Seconds per training step of each of `models`, timed in turns.

    Each round trains every model for `warmup_steps` + `steps` more steps in turn
    (`measure_throughput`); a model's figure is its median round. Timed one after another
    instead, the models would meet a machine whose speed drifts at different speeds.

    Args:
        models: {name: compiled model}; each trains `rounds` × (`warmup_steps` + `steps`) steps.
        dataset: a repeating `tf.data.Dataset` of batches that every model trains on.

    Returns:
        {name: median seconds per step}.
    """
    seconds = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            timed = measure_throughput(model, dataset, steps, warmup_steps=warmup_steps)
            seconds[name].append(timed["seconds"] / steps)
    return {name: float(np.median(values)) for name, values in seconds.items()}
