"""Image grids, progress frames, the GIF, results JSON and saved samples."""

import json

import imageio.v2 as imageio
import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image, ImageSequence

from gan_utils import callbacks, paths, plotting

matplotlib.use("Agg")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A throwaway project root, so nothing lands in the real results/ or artifacts/."""
    monkeypatch.setenv("GAN_LESSONS_ROOT", str(tmp_path))
    return tmp_path


def test_image_grid_places_each_image_in_its_tile():
    images = np.stack([np.full((2, 3), value, dtype=np.uint8) for value in (10, 20, 30)])
    grid = plotting.image_grid(images, ncols=2, padding=1)
    # 2 rows × 2 columns of 2×3 tiles with 1 px padding around each.
    assert grid.shape == (1 + 2 * 3, 1 + 2 * 4)
    assert grid[1, 1] == 10 and grid[1, 5] == 20 and grid[4, 1] == 30
    assert grid[4, 5] == 0 and grid[0, 0] == 0  # the empty fourth tile and the padding


def test_image_grid_maps_unit_range_to_uint8_and_scales():
    images = np.array([[[-1.0, 1.0]]], dtype=np.float32)  # one 1×2 image
    grid = plotting.image_grid(images, ncols=1, padding=0, scale=2)
    np.testing.assert_array_equal(grid, [[0, 0, 255, 255], [0, 0, 255, 255]])


def test_plots_draw_what_they_are_given():
    # The functions show their figure and return nothing; with Agg it stays the current one.
    history = {"d_loss": [1.0, 0.8], "g_loss": [0.7, 0.9]}
    assert plotting.plot_losses(history, reference_lines={"log 2": np.log(2)}) is None
    lines = plt.gcf().axes[0].lines
    assert [line.get_label() for line in lines[:2]] == ["d_loss", "g_loss"]
    np.testing.assert_allclose(lines[1].get_ydata(), [0.7, 0.9])
    assert lines[2].get_ydata()[0] == pytest.approx(np.log(2))
    frames = [np.zeros((10, 10), np.uint8)] * 9
    plotting.show_progress(frames, [f"epoch {i}" for i in range(9)], max_frames=4)
    titles = [ax.get_title() for ax in plt.gcf().axes]
    assert titles == ["epoch 0", "epoch 2", "epoch 5", "epoch 8"]
    plotting.plot_class_histogram(np.full(10, 0.1))
    assert [bar.get_height() for bar in plt.gcf().axes[0].patches] == pytest.approx([0.1] * 10)
    with pytest.raises(ValueError, match="3 frames but 2 labels"):
        plotting.show_progress(frames[:3], ["a", "b"])
    plotting.show_images(np.zeros((6, 4, 4)), ncols=3, row_labels=["a", "G(a)"])
    assert [text.get_text() for text in plt.gcf().axes[0].texts] == ["a", "G(a)"]
    with pytest.raises(ValueError, match="3 row labels for 2 rows"):
        plotting.show_images(np.zeros((6, 4, 4)), ncols=3, row_labels=["a", "b", "c"])
    plotting.plot_losses_and_quality(history, judge_fd=[50.0, 20.0])
    losses, quality = plt.gcf().axes
    assert [line.get_label() for line in losses.lines] == ["d_loss", "g_loss"]
    np.testing.assert_allclose(quality.lines[0].get_ydata(), [50.0, 20.0])
    plotting.plot_losses_and_quality(history, {"A→B": [0.5, 0.9], "B→A": [0.4, 0.8]},
                                     quality_label="labels kept")
    quality = plt.gcf().axes[1]
    assert [line.get_label() for line in quality.lines] == ["A→B", "B→A"]
    assert quality.get_ylabel() == "labels kept"


def test_label_frame_puts_the_text_in_a_strip_above_the_picture():
    grid = np.full((40, 60), 200, np.uint8)
    labelled = plotting.label_frame(grid, "epoch 12", height=16)
    assert labelled.shape == (56, 60, 3)
    np.testing.assert_array_equal(labelled[16:, :, 0], grid)  # the picture, unchanged
    strip = labelled[:16]
    assert strip.min() < 100 and np.median(strip) == 255  # dark text on white
    blank = plotting.label_frame(grid, "", height=16)[:16]
    assert blank.min() == 255


class ConstantModel:
    """Stands in for a GAN: generate_eval_batch returns a known batch."""

    def __init__(self):
        self.value = -1.0

    def generate_eval_batch(self):
        self.value += 0.5
        return np.full((4, 5, 5, 1), self.value, dtype=np.float32)


def test_sample_grid_keeps_one_frame_per_epoch_and_writes_a_gif(tmp_path):
    grid = callbacks.SampleGrid(ncols=2, scale=1)
    grid.set_model(ConstantModel())
    grid.on_train_begin()
    for epoch in range(3):
        grid.on_epoch_end(epoch)
    assert grid.labels == ["untrained", "epoch 1", "epoch 2", "epoch 3"]
    # Frame k shows the batch filled with -0.5 + 0.5k, i.e. uint8 round((v + 1) · 127.5).
    assert [int(frame[2, 2]) for frame in grid.frames] == [64, 128, 191, 255]
    path = grid.save_gif(tmp_path / "training.gif", seconds_per_frame=0.1, hold_last=5, scale=2)
    with Image.open(path) as gif:
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
    assert durations == [100, 100, 100, 500]
    # Each GIF frame is the grid enlarged twice under a strip that names the epoch.
    second = imageio.mimread(path)[1][..., 0]
    enlarged = grid.frames[1].repeat(2, axis=0).repeat(2, axis=1)
    np.testing.assert_array_equal(second[-enlarged.shape[0]:], enlarged)
    strip = second[: -enlarged.shape[0]]
    assert strip.shape[0] >= 14 and strip.min() < 100
    # A long run keeps at most max_frames, the first and the last among them.
    grid.frames += [np.full_like(grid.frames[0], 10 * k) for k in range(16)]  # all different
    grid.labels += [f"epoch {epoch}" for epoch in range(4, 20)]
    path = grid.save_gif(tmp_path / "long.gif", max_frames=5, scale=1)
    assert len(imageio.mimread(path)) == 5


class ShiftedGenerator:
    """generate(n, seed) gives n standard-normal 'images' moved by `shift` (set per epoch)."""

    def __init__(self):
        self.shift = 0.0
        self.calls = []

    def generate(self, n, seed=None, **conditions):
        self.calls.append((n, seed, conditions))
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, 3)) + self.shift


class MeanDistanceJudge:
    def fd_to_held_out(self, images):
        return float(np.linalg.norm(images.mean(axis=0)))


def test_judge_every_epoch_measures_the_same_latents_each_epoch():
    model = ShiftedGenerator()
    judged = callbacks.JudgeEveryEpoch(MeanDistanceJudge(), sample_size=2000, seed=3, labels=[1])
    judged.set_model(model)
    for epoch, shift in enumerate([2.0, 1.0, 0.0]):
        model.shift = shift
        judged.on_epoch_end(epoch)
    assert model.calls == [(2000, 3, {"labels": [1]})] * 3
    # The same z each time, so the curve follows the shift alone: ‖mean‖ ≈ |shift| · √3.
    np.testing.assert_allclose(judged.judge_fd[:2], [2 * np.sqrt(3), np.sqrt(3)], rtol=0.05)
    assert judged.judge_fd[2] < 0.1


def test_judge_every_epoch_judges_what_prepare_makes_of_the_samples():
    model = ShiftedGenerator()
    model.shift = 1.0
    judged = callbacks.JudgeEveryEpoch(MeanDistanceJudge(), sample_size=2000,
                                       prepare=lambda images: images[:, :1])
    judged.set_model(model)
    judged.on_epoch_end(0)
    np.testing.assert_allclose(judged.judge_fd, [1.0], rtol=0.05)  # one coordinate, not √3


def test_epoch_clock_counts_only_the_time_inside_epochs(monkeypatch):
    readings = iter([100.0, 102.5, 110.0, 113.0])  # begin, end, (judge runs), begin, end
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: next(readings))
    clock = callbacks.EpochClock()
    clock.on_train_begin()
    for epoch in range(2):
        clock.on_epoch_begin(epoch)
        clock.on_epoch_end(epoch)
    assert clock.seconds == [2.5, 5.5]


def test_results_recorder_counts_steps_and_writes_json(project):
    recorder = callbacks.ResultsRecorder("99_test", "cpu")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((40, 2), np.float32)
    model.fit(x, x[:, :1], batch_size=10, epochs=2, verbose=0, callbacks=[recorder])
    summary = recorder.write({"judge_fd": 1.5})
    written = json.loads((project / "results" / "99_test.json").read_text())
    assert written == summary
    assert written["lesson"] == "99_test" and written["profile"] == "cpu"
    assert written["train_steps"] == 8
    assert written["wall_seconds"] >= written["train_seconds"] > 0
    # Seconds and the rate are both rounded to 2 decimals: the true seconds lie within
    # 0.005 of the written ones, so the rate lies between 8 over either end (± its rounding).
    seconds = written["train_seconds"]
    slowest, fastest = 8 / (seconds + 0.005), 8 / (seconds - 0.005)
    assert slowest - 0.005 <= written["steps_per_second"] <= fastest + 0.005
    assert written["metrics"] == {"judge_fd": 1.5}


def test_results_recorder_counts_every_step_of_a_multi_step_execution(project):
    recorder = callbacks.ResultsRecorder("99_test", "cpu")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=3)
    x = np.zeros((40, 2), np.float32)
    # 4 batches an epoch run as executions of 3 steps and 1; 2 epochs make 8 steps.
    model.fit(x, x[:, :1], batch_size=10, epochs=2, verbose=0, callbacks=[recorder])
    assert recorder.summary({})["train_steps"] == 8


def test_smoke_runs_leave_the_committed_results_alone(project):
    callbacks.ResultsRecorder("99_test", "smoke").write({})
    assert not (project / "results").exists()
    assert (project / "artifacts" / "smoke" / "results" / "99_test.json").is_file()


def test_save_samples_writes_uint8_and_labels(project):
    images = np.linspace(-1, 1, 2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28)
    path = callbacks.save_samples("99_test", images, labels=[3, 4], profile="cpu")
    assert path == paths.artifacts_dir("99_test", profile="cpu") / "samples.npz"
    with np.load(path) as saved:
        assert saved["x"].dtype == np.uint8 and saved["x"].shape == (2, 28, 28, 1)
        assert saved["x"].min() == 0 and saved["x"].max() == 255
        np.testing.assert_array_equal(saved["y"], [3, 4])


def test_smoke_samples_leave_a_real_runs_samples_alone(project, monkeypatch):
    images = np.zeros((2, 28, 28), np.float32)
    real_run = callbacks.save_samples("99_test", images, profile="cpu")
    monkeypatch.setenv("GAN_PROFILE", "smoke")
    smoke_run = callbacks.save_samples("99_test", images + 0.5)  # profile read from GAN_PROFILE
    assert smoke_run == project / "artifacts" / "smoke" / "99_test" / "samples.npz"
    with np.load(real_run) as saved:
        assert saved["x"].max() == 128  # still the cpu run's images (0.0 → 128)


def test_project_root_is_found_from_a_subfolder(tmp_path, monkeypatch):
    monkeypatch.delenv("GAN_LESSONS_ROOT", raising=False)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "gan-lessons"\n')
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert paths.project_root() == tmp_path
    assert paths.results_dir() == tmp_path / "results"
    assert paths.results_dir("smoke") == tmp_path / "artifacts" / "smoke" / "results"


def test_evenly_chosen_keeps_the_ends_and_at_most_the_count_asked():
    np.testing.assert_array_equal(plotting.evenly_chosen(9, 4), [0, 2, 5, 8])
    np.testing.assert_array_equal(plotting.evenly_chosen(3, 16), [0, 1, 2])
