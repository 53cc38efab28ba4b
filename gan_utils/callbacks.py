"""Callbacks and writers for what a lesson produces (introduced in lesson 01).

* `SampleGrid`: renders the model's fixed evaluation latents every epoch and writes a GIF.
* `ResultsRecorder`: times the notebook and its training, then writes `results/<lesson>.json`.
* `JudgeEveryEpoch`: the judge's Fréchet distance of a fixed sample after every epoch, the
  quality curve to read beside the losses (introduced in lesson 04).
* `EpochClock`: seconds of training at the end of each epoch, to plot quality against time.
* `ResumeAfterRestart`: Keras' `BackupAndRestore` that also keeps the other callbacks' records,
  so a training cut off by a disconnect resumes at its last finished epoch, curves and all.
* `ResumePhases`: the same for a training made of several `fit` calls (ProGAN's phases, lesson
  11): it resumes after the last finished phase.
* `save_samples`: writes `artifacts/<lesson>/samples.npz` for later lessons to evaluate.

A callback whose per-epoch records should survive a restart names them in `recorded`.
"""

import json
import pickle
import shutil
import time
from pathlib import Path

import imageio.v2 as imageio
import keras
import numpy as np
import tensorflow as tf

from gan_utils import data, paths, plotting, profiles

__all__ = ["EpochClock", "JudgeEveryEpoch", "ResultsRecorder", "ResumeAfterRestart",
           "ResumePhases", "SampleGrid", "save_samples"]


class SampleGrid(keras.callbacks.Callback):
    """Keeps a grid of G(z_eval) before training and after every epoch.

    `frames[i]` is a uint8 picture and `labels[i]` says when it was taken. The same latent
    batch every time, so the frames show one set of samples changing as G learns.
    """

    recorded = ("frames", "labels")  # what ResumeAfterRestart keeps

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

    recorded = ("judge_fd",)

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

    recorded = ("seconds",)

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds_before = self.seconds[-1] if self.seconds else 0.0
        self.seconds.append(seconds_before + time.perf_counter() - self._epoch_started)


class ResultsRecorder(keras.callbacks.Callback):
    """Times the whole notebook and its training steps; writes the lesson's results JSON.

    Create it in the setup cell (the notebook clock starts then), pass it to every `fit`, and
    call `write(metrics)` in the last cell. The last one made is the notebook's recorder
    (`ResultsRecorder.current`): a training resumed after a restart (`ResumeAfterRestart`,
    `ResumePhases`) restores its counts too, so the results count the whole run as if it had
    never been cut off.
    """

    recorded = ("train_steps", "train_seconds", "elapsed_seconds")  # what a resume restores
    current = None  # the recorder made last: the notebook's

    def __init__(self, lesson, profile):
        super().__init__()
        self.lesson = lesson
        self.profile = profile
        self.started = time.perf_counter()
        self.train_steps = 0
        self._seconds_of_finished_fits = 0.0
        self._fit_started = None
        self._first_step = 0
        ResultsRecorder.current = self

    @property
    def elapsed_seconds(self):
        """Seconds since the notebook's clock started."""
        return time.perf_counter() - self.started

    @elapsed_seconds.setter
    def elapsed_seconds(self, seconds):  # a restored clock goes on from `seconds`
        self.started = time.perf_counter() - seconds

    def _seconds_of_running_fit(self):
        return 0.0 if self._fit_started is None else time.perf_counter() - self._fit_started

    @property
    def train_seconds(self):
        """Seconds spent in `fit`, the one now running included."""
        return self._seconds_of_finished_fits + self._seconds_of_running_fit()

    @train_seconds.setter
    def train_seconds(self, seconds):
        self._seconds_of_finished_fits = seconds - self._seconds_of_running_fit()

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
        self._seconds_of_finished_fits = self.train_seconds
        self._fit_started = None

    def summary(self, metrics):
        wall_seconds = self.elapsed_seconds
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
        """Write results/<lesson>.json (smoke runs: artifacts/smoke/results/); returns it."""
        summary = self.summary(metrics)
        folder = paths.results_dir(self.profile)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.lesson}.json"
        path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"Wrote {path.relative_to(paths.project_root())}")
        return summary


def _recorder_state():
    """The notebook's `ResultsRecorder` counts, for a backup (None if there is no recorder)."""
    recorder = ResultsRecorder.current
    return None if recorder is None else {name: getattr(recorder, name)
                                          for name in ResultsRecorder.recorded}


def _restore_recorder(state):
    """Give the notebook's recorder the counts a backup kept, as if the run never stopped."""
    if state is not None and ResultsRecorder.current is not None:
        for name, value in state.items():
            setattr(ResultsRecorder.current, name, value)


def _backup_does_not_fit(folder):
    return ValueError(
        f"The backup in {folder} does not fit this model (was its code changed since the run "
        "that left it?). Delete that folder to train from scratch."
    )


def _shown_folder(folder):
    """A backup folder as the messages name it: relative to the project when inside it."""
    try:
        return folder.relative_to(paths.project_root())
    except ValueError:  # outside the project (a test's temporary folder)
        return f"{folder.parent.name}/{folder.name}"


def _settings_text(settings):
    """The settings as the backup keeps them in settings.json."""
    return json.dumps(dict(settings or {}), sort_keys=True, default=str)


def _discard_if_other_settings(folder, settings_text):
    """Delete a backup in `folder` that other settings (or none) left."""
    saved = folder / "settings.json"
    if folder.exists() and not (saved.exists()
                                and saved.read_text(encoding="utf-8") == settings_text):
        print(f"The backup in {_shown_folder(folder)} was left by other settings: "
              "starting afresh.")
        shutil.rmtree(folder)


def _keep_settings(folder, settings_text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(settings_text, encoding="utf-8")


class ResumeAfterRestart(keras.callbacks.BackupAndRestore):
    """Resume a training that a disconnect or a dead kernel cut off, after its last finished epoch.

    Keras' `BackupAndRestore` saves the model after every epoch (weights, both optimizers, the
    random generators' state) and, when the same `fit` runs again, starts it after the last
    saved epoch. This subclass also saves fit's history and the `recorded` attributes of the
    callbacks in `records` (a judge's curve, progress frames, a clock), so the resumed run's
    pictures cover the whole training, not only the part after the restart; and the notebook's
    `ResultsRecorder` counts, so its results count every step and second of the run.

    The backup is deleted when `fit` completes: only an interrupted training resumes. Each
    profile keeps its own (`folder/cpu`, `folder/smoke`, ...), with `settings` (pass the budget
    row); a backup left by other settings is discarded and the training starts afresh. A
    `data` setting of "auto" is kept as the MNIST source it resolved to
    (`data.resolved_source`). Data pipelines start again from their first batch, so a resumed
    run sees other batches than an uninterrupted one would have.

    Pass it to `fit` after the callbacks in `records`, so that it saves what they recorded of
    the epoch just finished.

    Args:
        folder: where the backup lives, one per training (e.g. artifacts/<lesson>/backup_gp).
        records: the other callbacks of this `fit` whose records should survive.
        settings: a JSON-able dict that identifies the training (e.g. the budget row).
    """

    def __init__(self, folder, records=(), settings=None):
        # One backup per profile: a test run never discards a real run's backup.
        self.folder = Path(folder) / paths.run_name(profiles.current_profile())
        super().__init__(str(self.folder), double_checkpoint=True)
        for callback in records:
            if not hasattr(callback, "recorded"):
                raise ValueError(f"{type(callback).__name__} names no `recorded` attributes, "
                                 "so its records cannot be restored after a restart.")
        self.records = list(records)
        self.settings = dict(settings or {})
        if self.settings.get("data") in data.SOURCES:
            # data="auto" reads full MNIST online, the bundled digits offline: a backup of
            # one must not resume on the other
            self.settings["data"] = data.resolved_source(self.settings["data"])
        self.resumed_at = None  # the first epoch of this run, counted from 0, when resumed
        self._records_restored = False

    @property
    def _shown_folder(self):
        return _shown_folder(self.folder)

    def _records_path(self, epoch):
        return self.folder / f"records_after_epoch_{epoch}.pkl"

    def _settings_json(self):
        return _settings_text(self.settings)

    def on_train_begin(self, logs=None):
        self.resumed_at, self._records_restored = None, False
        _discard_if_other_settings(self.folder, self._settings_json())
        # Keras never clears the epoch a backup restores: a stale one would move the next fit.
        self.model._initial_epoch = None
        try:
            super().on_train_begin(logs)
        except ValueError as error:
            raise _backup_does_not_fit(self.folder) from error
        if self.model._initial_epoch:
            self.resumed_at = self.model._initial_epoch
            total = self.params.get("epochs")
            print(f"Resuming from the backup in {self._shown_folder} after epoch "
                  f"{self.resumed_at} of {total}.")

    def on_epoch_begin(self, epoch, logs=None):
        # fit has read the epoch to start from: clear it now, so that no later fit of this
        # model starts there, even if this one ends in an error.
        self.model._initial_epoch = None
        # After every callback's on_train_begin, which may reset its own records.
        self._restore_records()

    def _restore_records(self):
        if self.resumed_at is None or self._records_restored:
            return
        self._records_restored = True
        path = self._records_path(self.resumed_at)
        if not path.exists():  # cut off between saving the weights and the records
            print(f"The records of epochs 1-{self.resumed_at} were not saved; "
                  "the curves start at the restart.")
            return
        with path.open("rb") as file:
            saved = pickle.load(file)
        for callback, attributes in zip(self.records, saved["records"], strict=True):
            for name, value in attributes.items():
                setattr(callback, name, value)
        _restore_recorder(saved.get("results_recorder"))  # None in older backups
        self.model.history.history = saved["history"]
        self.model.history.epoch = list(range(self.resumed_at))

    def on_epoch_end(self, epoch, logs=None):
        # The records first, the weights after: the weights' epoch names the records to load.
        _keep_settings(self.folder, self._settings_json())
        history = {key: list(values) for key, values in self.model.history.history.items()}
        for key, value in (logs or {}).items():  # History adds this epoch after us
            history.setdefault(key, []).append(value)
        saved = {"records": [{name: getattr(callback, name) for name in callback.recorded}
                             for callback in self.records],
                 "history": history, "results_recorder": _recorder_state()}
        partial = self._records_path(epoch + 1).with_suffix(".partial")
        with partial.open("wb") as file:
            pickle.dump(saved, file)
        partial.replace(self._records_path(epoch + 1))
        self._records_path(epoch - 1).unlink(missing_ok=True)  # keep this epoch's and the last
        super().on_epoch_end(epoch, logs)

    def _save_model(self):
        """Keras' save, with each file written whole and then renamed into place: a kill while
        writing leaves the previous file as it was (Keras writes over it in place)."""
        weights, metadata = Path(self._weights_path), Path(self._training_metadata_path)
        for latest, previous in ((weights, self._prev_weights_path),
                                 (metadata, self._prev_training_metadata_path)):
            if latest.exists():  # double_checkpoint: the pair before this one
                shutil.copyfile(latest, previous)
        partial_weights = weights.with_name("partial.weights.h5")
        self.model.save_weights(partial_weights, overwrite=True)
        partial_metadata = metadata.with_suffix(".partial")
        partial_metadata.write_text(json.dumps({"epoch": self._current_epoch, "batch": 0}),
                                    encoding="utf-8")
        partial_weights.replace(weights)
        partial_metadata.replace(metadata)

    def on_train_end(self, logs=None):
        self._restore_records()  # a run cut off after its last epoch trains no epoch now
        self.model._initial_epoch = None
        super().on_train_end(logs)


class ResumePhases:
    """Resume a training made of several `fit` calls, one per phase, after a restart.

    After each finished phase, `save` keeps the model's state (weights, both optimizers, the
    random generators) and a record of the phase. When the notebook runs again, `restore` gives
    back the record of every phase already finished and loads the state left by the last one,
    so the loop trains only the phases still to do; a phase cut off midway trains again from
    its start. As with `ResumeAfterRestart`, the notebook's `ResultsRecorder` counts are kept
    and restored with the state, each profile keeps its own backup
    (`folder/cpu`, ...), a backup left by other `settings` is discarded, and `finish` deletes
    it once the last phase is done: only an interrupted training resumes.
    """

    def __init__(self, folder, settings=None):
        self.folder = Path(folder) / paths.run_name(profiles.current_profile())
        self._settings_json = _settings_text(settings)
        _discard_if_other_settings(self.folder, self._settings_json)

    @property
    def _shown_folder(self):
        return _shown_folder(self.folder)

    def _weights_path(self, phase):
        return self.folder / f"after_phase_{phase}.weights.h5"

    def _record_path(self, phase):
        return self.folder / f"after_phase_{phase}.pkl"

    def _recorder_path(self, phase):
        return self.folder / f"after_phase_{phase}.results_recorder.json"

    def restore(self, model, phase):
        """The record saved after `phase` (counted from 0), or None if it never finished.
        Loads the model's state where this phase is the last one saved."""
        if not self._record_path(phase).exists():
            return None
        if self._weights_path(phase).exists():
            try:
                model.load_weights(self._weights_path(phase))
            except ValueError as error:
                raise _backup_does_not_fit(self.folder) from error
            recorder_path = self._recorder_path(phase)
            if recorder_path.exists():
                _restore_recorder(json.loads(recorder_path.read_text(encoding="utf-8")))
            print(f"Resuming from the backup in {self._shown_folder} after phase {phase + 1}.")
        with self._record_path(phase).open("rb") as file:
            return pickle.load(file)

    def save(self, model, phase, record):
        """Keep the model's state after `phase` and its record (any picklable object)."""
        _keep_settings(self.folder, self._settings_json)
        # Each file written whole, then renamed into place; the record last, as `restore`
        # trusts a phase only when its record exists.
        partial = self.folder / "partial.weights.h5"
        model.save_weights(partial, overwrite=True)
        partial.replace(self._weights_path(phase))
        partial = self._recorder_path(phase).with_suffix(".partial")
        partial.write_text(json.dumps(_recorder_state()), encoding="utf-8")
        partial.replace(self._recorder_path(phase))
        partial = self._record_path(phase).with_suffix(".partial")
        with partial.open("wb") as file:
            pickle.dump(record, file)
        partial.replace(self._record_path(phase))
        if phase > 0:  # only the last phase's state is needed to go on
            self._weights_path(phase - 1).unlink(missing_ok=True)
            self._recorder_path(phase - 1).unlink(missing_ok=True)

    def finish(self):
        """Delete the backup: the training is complete."""
        shutil.rmtree(self.folder, ignore_errors=True)


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
