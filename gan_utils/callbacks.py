"""Callbacks and writers for what a lesson produces (introduced in lesson 01).

* `SampleGrid`: renders the model's fixed evaluation latents every epoch and writes a GIF.
* `ResultsRecorder`: times the notebook and its training, then writes `results/<lesson>.json`.
* `JudgeEveryEpoch`: the judge's Fréchet distance of a fixed sample after every epoch, the
  quality curve to read beside the losses (introduced in lesson 04).
* `EpochClock`: seconds of training at the end of each epoch, to plot quality against time.
* `save_samples`: writes `artifacts/<lesson>/samples.npz` for later lessons to evaluate.
"""

import json
import time

import imageio.v2 as imageio
import keras
import numpy as np
import tensorflow as tf

from gan_utils import data, paths, plotting, profiles

__all__ = ["EpochClock", "JudgeEveryEpoch", "ResultsRecorder", "SampleGrid", "save_samples"]


class SampleGrid(keras.callbacks.Callback):
    """Keeps a grid of G(z_eval) before training and after every epoch.

    `frames[i]` is a uint8 picture and `labels[i]` says when it was taken. The same latent
    batch every time, so the frames show one set of samples changing as G learns.
    """

    def __init__(self, ncols=8, scale=1):
        super().__init__()
        self.ncols = ncols
        self.scale = scale
        self.frames = []
        self.labels = []

    def _snapshot(self, label):
        images = self.model.generate_eval_batch()
        self.frames.append(plotting.image_grid(images, ncols=self.ncols, scale=self.scale))
        self.labels.append(label)

    def on_train_begin(self, logs=None):
        if not self.frames:
            self._snapshot("untrained")

    def on_epoch_end(self, epoch, logs=None):
        self._snapshot(f"epoch {epoch + 1}")

    def save_gif(self, path, seconds_per_frame=0.3, hold_last=6, scale=2, max_frames=16):
        """Write the frames as a looping GIF, each enlarged `scale` times and labelled with
        when it was taken; at most `max_frames` of them, evenly chosen (the first and the last
        always), so that a notebook showing it stays small. The last stays `hold_last` times
        longer."""
        chosen = plotting.evenly_chosen(len(self.frames), max_frames)
        durations_ms = [seconds_per_frame * 1000] * len(chosen)
        durations_ms[-1] *= hold_last
        frames = [plotting.label_frame(self.frames[index].repeat(scale, axis=0)
                                       .repeat(scale, axis=1), self.labels[index])
                  for index in chosen]
        imageio.mimsave(path, frames, duration=durations_ms, loop=0)
        return path


class JudgeEveryEpoch(keras.callbacks.Callback):
    """After every epoch, the judge's FD of `sample_size` samples of the model's `generate`.

    The same latents (`seed`) every epoch. A small sample makes the FD larger than with the
    10,000 samples of a lesson's final figures (the estimate is biased upwards), but every epoch
    is measured the same way, so the curve is comparable with itself. `conditions` go to
    `generate` (e.g. `labels=` for a conditional GAN). `prepare` maps the samples to what the
    judge reads (lesson 11 crops its 32 × 32 digits to 28 × 28). `judge_fd[i]` is epoch i + 1's
    value.
    """

    def __init__(self, judge, sample_size, seed=3, prepare=None, **conditions):
        super().__init__()
        self.judge = judge
        self.prepare = prepare or (lambda images: images)
        self.sample_size = sample_size
        self.seed = seed
        self.conditions = conditions
        self.judge_fd = []

    def on_epoch_end(self, epoch, logs=None):
        images = self.model.generate(self.sample_size, seed=self.seed, **self.conditions)
        self.judge_fd.append(self.judge.fd_to_held_out(self.prepare(images)))


class EpochClock(keras.callbacks.Callback):
    """Seconds of training up to the end of each epoch: `seconds[i]` is the time spent inside
    epochs 1 … i + 1, so plotting quality against it compares runs by training time.

    Only the time from each epoch's start to its end counts. Pass the clock first in `fit`'s
    callbacks, so that what the others do at an epoch's end (a judge's FD, a progress picture)
    happens off the clock. The first epoch includes tracing the training step; the steady
    rate is what the later epochs add.
    """

    def on_train_begin(self, logs=None):
        self.seconds, self._total = [], 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self._total += time.perf_counter() - self._epoch_started
        self.seconds.append(self._total)


class ResultsRecorder(keras.callbacks.Callback):
    """Times the whole notebook and its training steps; writes the lesson's results JSON.

    Create it in the setup cell (the notebook clock starts then), pass it to every `fit`, and
    call `write(metrics)` in the last cell.
    """

    def __init__(self, lesson, profile):
        super().__init__()
        self.lesson = lesson
        self.profile = profile
        self.started = time.perf_counter()
        self.train_steps = 0
        self.train_seconds = 0.0
        self._fit_started = None
        self._first_step = 0

    def on_train_begin(self, logs=None):
        self._fit_started = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        self._first_step = batch

    def on_train_batch_end(self, batch, logs=None):
        # With compile(steps_per_execution=k), Keras reports k steps at once, begin .. end,
        # and the epoch's last execution may stop early at its final step.
        steps_per_epoch = self.params.get("steps") or batch + 1
        self.train_steps += min(batch, steps_per_epoch - 1) - self._first_step + 1

    def on_train_end(self, logs=None):
        self.train_seconds += time.perf_counter() - self._fit_started

    def summary(self, metrics):
        wall_seconds = time.perf_counter() - self.started
        return {
            "lesson": self.lesson,
            "profile": self.profile,
            "wall_seconds": round(wall_seconds, 2),
            "train_steps": self.train_steps,
            "train_seconds": round(self.train_seconds, 2),
            "steps_per_second": round(self.train_steps / max(self.train_seconds, 1e-9), 2),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
            "metrics": metrics,
        }

    def write(self, metrics):
        """Write results/<lesson>.json (smoke runs: artifacts/smoke_results/); returns it."""
        summary = self.summary(metrics)
        folder = paths.results_dir(self.profile)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.lesson}.json"
        path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"Wrote {path.relative_to(paths.project_root())}")
        return summary


def save_samples(lesson, images, labels=None, profile=None):
    """Save generated images (as uint8) and their labels to artifacts/<lesson>/samples.npz.

    `profile` defaults to the current run profile; smoke runs write elsewhere
    (`paths.samples_path`), so the test suite never replaces a real run's samples.
    """
    arrays = {"x": data.to_uint8(data.to_unit_range(images))}
    if labels is not None:
        arrays["y"] = np.asarray(labels)
    path = paths.samples_path(lesson, profile or profiles.current_profile())
    np.savez_compressed(path, **arrays)
    return path
