"""Stand-ins for Keras' downloads, so that the `gpu` profile's full-data branches run offline.

    python scripts/make_test_downloads.py artifacts/test_keras_home

Writes, under the folder given (use it as `KERAS_HOME`), the files `keras.datasets` would have
downloaded, in their layouts:

* `datasets/mnist.npz`: the bundled digits in `keras.datasets.mnist`'s format, so that
  `data.load_mnist(source="auto")` takes its full-MNIST branch;
* the unpacked CIFAR-10 batches (`data.cifar10_folder()`): a few random photos per batch, so that
  lesson 11's colour section trains. Noise is all a dry run needs: shapes, loader, two steps.

`make colab-test` runs every notebook's dry `gpu` run with them.
"""

import argparse
import os
import pickle
from pathlib import Path

import numpy as np

from gan_utils import data


def write_mnist_file():
    """`keras_mnist_file()` made from the bundled digits."""
    arrays = {}
    for split in data.SPLITS:
        images, labels = data.load_mnist(split, source="bundled", verbose=False)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    data.keras_mnist_file().parent.mkdir(parents=True, exist_ok=True)
    np.savez(data.keras_mnist_file(), **arrays)
    return data.keras_mnist_file()


def write_cifar10_batches(photos_per_batch=20, seed=0):
    """The five training batches and the test batch, each a pickled dict as CIFAR-10's own:
    b"data" (N, 3072) uint8, the R, G and B planes of each photo in a row; b"labels", N ints."""
    rng = np.random.default_rng(seed)
    folder = data.cifar10_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*data.CIFAR10_BATCHES, "test_batch"):
        batch = {b"data": rng.integers(0, 256, (photos_per_batch, 3 * 32 * 32), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, photos_per_batch).tolist()}
        with open(folder / name, "wb") as file:
            pickle.dump(batch, file, protocol=4)
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keras_home")
    args = parser.parse_args()
    os.environ["KERAS_HOME"] = str(Path(args.keras_home).resolve())
    print(f"wrote {write_mnist_file()} and {write_cifar10_batches()}")
