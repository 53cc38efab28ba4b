"""`callbacks.ResumeAfterRestart`: a training killed mid-epoch resumes at its last finished
epoch in a fresh process, with the weights, step counts and curves an uninterrupted run has:
a toy GAN, and lesson 02's DCGAN as the `gpu` profile's dry run builds it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from gan_utils import callbacks, data

TESTS = Path(__file__).parent

# One training, in a process of its own: `pause` stops it for good in the middle of its third
# epoch (after the backup of epoch 2) so that the test can kill it there.
TRAINING = """
import sys, time
from pathlib import Path
import keras, numpy as np
sys.path.insert(0, {tests!r})
from test_model import make_gan
from gan_utils import callbacks

folder, out, mode, model = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class FakeJudge:
    def fd_to_held_out(self, points):  # any number that depends on G will do
        return float(np.mean(points ** 2))


class EvalPoints(keras.callbacks.Callback):
    recorded = ("points",)

    def __init__(self):
        super().__init__()
        self.points = []

    def on_epoch_end(self, epoch, logs=None):
        self.points.append(np.asarray(self.model.generate_eval_batch()))


class PauseInThirdEpoch(keras.callbacks.Callback):  # {slow_seconds} s slower in epoch 1
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 0 and batch == 0:
            time.sleep({slow_seconds})
        if self.epoch == 2 and batch == 1:
            (folder.parent / "paused").touch()
            time.sleep(600)


def lesson_02_as_the_gpu_dry_run_builds_it():
    # Lesson 02's networks and step, compiled as its notebook does, with the budget row a
    # `GAN_PROFILE=gpu GAN_DRY_RUN=1` run selects: the gpu row's batch 128 and learning rate,
    # and the weight average's momentum of the smoke row (a work key, as the horizon is).
    from gan_utils import data, profiles
    from gan_utils.lessons import dcgan, vanilla_gan

    _, budget = profiles.select_budget(dcgan.BUDGETS, verbose=False)
    assert budget["batch_size"] == dcgan.BUDGETS["gpu"]["batch_size"], budget
    keras.utils.set_random_seed(0)
    gan = vanilla_gan.VanillaGAN(dcgan.build_generator(), dcgan.build_discriminator())
    rate = budget["learning_rate"]
    gan.compile(d_optimizer=keras.optimizers.Adam(rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(rate, beta_1=0.5, use_ema=True,
                                                  ema_momentum=budget["ema"]))
    digits, _ = data.load_mnist("train", source="bundled", verbose=False)
    # 4 batches an epoch, in a fixed order, so that both runs see the same data.
    return gan, data.to_unit_range(digits[: 4 * budget["batch_size"]]), budget["batch_size"]


recorder = callbacks.ResultsRecorder("99_test", "smoke")  # the notebook's, made first
if model == "toy":
    real_points = np.random.default_rng(0).normal(2.0, 0.1, size=(64, 3)).astype("float32")
    gan, batch_size = make_gan(), 16
else:
    gan, real_points, batch_size = lesson_02_as_the_gpu_dry_run_builds_it()
clock, judged, points = (callbacks.EpochClock(), callbacks.JudgeEveryEpoch(FakeJudge(), 32),
                         EvalPoints())
resume = callbacks.ResumeAfterRestart(folder, records=[clock, judged, points],
                                      settings={{"epochs": 4}})
extra = [PauseInThirdEpoch()] if mode == "pause" else []
fit_started = time.perf_counter()
history = gan.fit(real_points, batch_size=batch_size, epochs=4, shuffle=False, verbose=0,
                  callbacks=[clock, judged, points, resume, recorder, *extra])
this_fit_seconds = time.perf_counter() - fit_started
np.savez(out, *[w.numpy() for w in gan.weights], judge_fd=judged.judge_fd,
         points=np.stack(points.points), seconds=clock.seconds,
         g_loss=history.history["g_loss"], resumed_at=resume.resumed_at or 0,
         train_steps=recorder.train_steps, train_seconds=recorder.train_seconds,
         elapsed_seconds=recorder.elapsed_seconds, this_fit_seconds=this_fit_seconds,
         steps=[int(gan.g_optimizer.iterations), int(gan.d_optimizer.iterations)],
         **{{f"g_optimizer_{{i}}": v.numpy() for i, v in enumerate(gan.g_optimizer.variables)}})
"""


# What each model's training runs under: the toy in the suite's own profile, lesson 02 as the
# gpu profile's dry run, as Colab's notebooks would after `make colab-test` ran them.
ENVIRONMENTS = {"toy": {}, "lesson 02": {"GAN_PROFILE": "gpu", "GAN_DRY_RUN": "1"}}
SLOW_SECONDS = 2  # the cut-off run's extra time in its first epoch


def run_training(tmp_path, name, mode="run", model="toy"):
    script = tmp_path / "training.py"
    script.write_text(TRAINING.format(tests=str(TESTS), slow_seconds=SLOW_SECONDS),
                      encoding="utf-8")
    command = [sys.executable, str(script), str(tmp_path / name / "backup"),
               str(tmp_path / f"{name}.npz"), mode, model]
    (tmp_path / name).mkdir(exist_ok=True)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, **ENVIRONMENTS[model]})


def wait_for(path, process, seconds=180):
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the training ended before it paused:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the training never reached its third epoch")
        time.sleep(0.2)


def finished(process):
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


@pytest.mark.parametrize("model", ENVIRONMENTS)
def test_a_killed_training_resumes_where_its_backup_left_it(tmp_path, model):
    straight = run_training(tmp_path, "straight", model=model)
    finished(straight)

    cut_off = run_training(tmp_path, "resumed", mode="pause", model=model)
    wait_for(tmp_path / "resumed" / "paused", cut_off)
    os.kill(cut_off.pid, signal.SIGKILL)  # as a dead kernel: no callback runs after this
    cut_off.wait()
    assert any((tmp_path / "resumed" / "backup").iterdir())

    output = finished(run_training(tmp_path, "resumed", model=model))
    assert "Resuming from the backup in backup/" in output and "after epoch 2 of 4." in output

    expected, got = np.load(tmp_path / "straight.npz"), np.load(tmp_path / "resumed.npz")
    assert int(got["resumed_at"]) == 2 and int(expected["resumed_at"]) == 0
    # Same step counts: the half-finished third epoch ran again from its backup, not on top.
    assert got["steps"].tolist() == expected["steps"].tolist() == [16, 16]
    # The data here is one fixed pass per epoch, so the resumed run retraces the straight one:
    # weights, the loss history and every curve, epochs 1-2 restored from the backup.
    weight_keys = [key for key in expected.files if key.startswith("arr_")]
    assert weight_keys
    # The optimizer's state too: Adam's moments and, where G keeps one, its weight average.
    optimizer_keys = [key for key in expected.files if key.startswith("g_optimizer_")]
    assert optimizer_keys
    for key in weight_keys + optimizer_keys:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-5)
    for key in ("judge_fd", "g_loss", "points"):
        assert got[key].shape[0] == 4
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-5)
    assert len(got["seconds"]) == 4 and np.all(np.diff(got["seconds"]) >= 0)
    # The results count the whole run: every step once, and the seconds the cut-off process
    # trained before its backup (its slow first epoch) beside those of the resumed fit.
    assert int(got["train_steps"]) == int(expected["train_steps"]) == 16
    assert float(got["train_seconds"]) >= float(got["this_fit_seconds"]) + SLOW_SECONDS / 2
    assert float(got["elapsed_seconds"]) >= float(got["train_seconds"])
    assert not any((tmp_path / "resumed" / "backup").iterdir())  # a completed fit removes it


class Recorder(keras.callbacks.Callback):
    recorded = ("values",)

    def __init__(self):
        super().__init__()
        self.values = []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(epoch)


def small_fit(folder, settings, epochs=2):
    sys.path.insert(0, str(TESTS))
    from test_model import make_gan

    gan, recorder = make_gan(), Recorder()
    resume = callbacks.ResumeAfterRestart(folder, records=[recorder], settings=settings)
    points = np.random.default_rng(0).normal(2.0, 0.1, size=(32, 3)).astype("float32")
    gan.fit(points, batch_size=16, epochs=epochs, shuffle=False, verbose=0,
            callbacks=[recorder, resume])
    return resume, recorder, gan


def leave_backup(folder, settings, weights_of):
    """A backup as a run cut off after epoch 1 leaves it."""
    resume = callbacks.ResumeAfterRestart(folder, settings=settings)
    resume.folder.mkdir(parents=True)
    (resume.folder / "settings.json").write_text(resume._settings_json(), encoding="utf-8")
    (resume.folder / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}',
                                                          encoding="utf-8")
    weights_of.save_weights(resume.folder / "latest.weights.h5")
    return resume.folder


def another_model():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])


def test_a_backup_from_other_settings_is_discarded(tmp_path, capsys):
    backup = leave_backup(tmp_path / "backup", {"epochs": 99}, weights_of=another_model())
    resume, recorder, _ = small_fit(tmp_path / "backup", settings={"epochs": 2})
    assert "left by other settings: starting afresh" in capsys.readouterr().out
    assert resume.resumed_at is None and recorder.values == [0, 1]
    assert not backup.exists()


def test_a_backup_made_on_other_digits_is_discarded(tmp_path, capsys, monkeypatch):
    # data="auto": the bundled digits offline, full MNIST once online. A backup left offline
    # must not resume on other digits, and resumes on the same ones.
    sys.path.insert(0, str(TESTS))
    from test_model import make_gan

    settings = {"data": "auto", "epochs": 2}
    monkeypatch.setattr(data, "_resolve_auto", lambda: ("bundled", ""))
    leave_backup(tmp_path / "same", settings, weights_of=make_gan())
    backup = leave_backup(tmp_path / "other", settings, weights_of=make_gan())
    resume, _, _ = small_fit(tmp_path / "same", settings=settings)
    assert resume.resumed_at == 1 and resume.settings["data"] == "bundled"
    monkeypatch.setattr(data, "_resolve_auto", lambda: ("keras", ""))
    resume, recorder, _ = small_fit(tmp_path / "other", settings=settings)
    assert "left by other settings: starting afresh" in capsys.readouterr().out
    assert resume.resumed_at is None and recorder.values == [0, 1]
    assert not backup.exists()


def test_a_resumed_fit_leaves_the_next_fit_its_own_first_epoch(tmp_path, capsys):
    # Keras keeps the epoch a backup restored on the model; lesson 02 fits the same model
    # again with initial_epoch, which that stale value would override.
    sys.path.insert(0, str(TESTS))
    from test_model import make_gan

    leave_backup(tmp_path / "backup", {"epochs": 3}, weights_of=make_gan())
    resume, recorder, gan = small_fit(tmp_path / "backup", settings={"epochs": 3}, epochs=3)
    assert "after epoch 1 of 3" in capsys.readouterr().out
    assert resume.resumed_at == 1 and recorder.values == [1, 2]
    points = np.zeros((32, 3), "float32")
    history = gan.fit(points, batch_size=16, initial_epoch=3, epochs=4, verbose=0)
    assert history.epoch == [3]


def test_a_backup_of_another_model_says_what_to_do(tmp_path):
    leave_backup(tmp_path / "backup", {"epochs": 2}, weights_of=another_model())
    with pytest.raises(ValueError, match="does not fit this model.*Delete that folder"):
        small_fit(tmp_path / "backup", settings={"epochs": 2})


def test_records_need_their_names():
    with pytest.raises(ValueError, match="names no `recorded` attributes"):
        callbacks.ResumeAfterRestart("unused", records=[keras.callbacks.History()])


def test_resume_phases_restores_the_finished_phases_and_the_last_ones_state(tmp_path, capsys,
                                                                            monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    from test_model import make_gan

    real_points = np.random.default_rng(0).normal(2.0, 0.1, size=(64, 3)).astype("float32")
    recorder = callbacks.ResultsRecorder("99_test", "smoke")
    gan, phases = make_gan(), callbacks.ResumePhases(tmp_path / "backup", settings={"steps": 4})
    for phase in range(2):  # two phases finish, then the kernel dies
        gan.fit(real_points, batch_size=16, epochs=1, shuffle=False, verbose=0,
                callbacks=[recorder])
        phases.save(gan, phase, {"phase": phase})
    finished_weights = [w.numpy() for w in gan.weights]
    seconds_before = recorder.train_seconds

    restarted = make_gan(seed=1)  # other initial weights, as after a restart
    recorder = callbacks.ResultsRecorder("99_test", "smoke")  # the notebook's new clock
    phases = callbacks.ResumePhases(tmp_path / "backup", settings={"steps": 4})
    assert phases.restore(restarted, 0) == {"phase": 0}
    assert phases.restore(restarted, 1) == {"phase": 1}
    assert phases.restore(restarted, 2) is None  # never finished: trains
    for restored, saved in zip(restarted.weights, finished_weights, strict=True):
        np.testing.assert_array_equal(restored.numpy(), saved)
    assert int(restarted.g_optimizer.iterations) == 8  # both phases' steps
    assert recorder.train_steps == 8 and recorder.train_seconds == seconds_before
    assert "after phase 2" in capsys.readouterr().out

    callbacks.ResumePhases(tmp_path / "backup", settings={"steps": 5})  # other settings
    assert "starting afresh" in capsys.readouterr().out
    phases = callbacks.ResumePhases(tmp_path / "backup", settings={"steps": 4})
    assert phases.restore(make_gan(), 0) is None
    phases.save(gan, 0, {"phase": 0})
    phases.finish()
    assert not phases.folder.exists()
