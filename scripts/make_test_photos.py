"""A tiny stand-in for horse2zebra, so that lesson 05's photo section runs without the download.

    python scripts/make_test_photos.py artifacts/test_photos

Writes a few random photos per domain, as PNG files, in the layout of the CycleGAN authors'
horse2zebra.zip (trainA/ horses, trainB/ zebras) that `gan_utils.domains.load_photo_domains`
reads when `GAN_PHOTOS_DIR` names the folder. `make colab-test` uses it for the dry run of the
`gpu` profile; the pictures are noise, which is all a dry run needs: shapes, loader and two
training steps.
"""

import argparse
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils.domains import PHOTO_FOLDERS


def write_random_photos(directory, count=4, size=(128, 128), seed=0):
    """`count` random RGB PNGs of `size` (height, width) in each of directory/trainA, trainB.

    Domain A's pixels are drawn darker than domain B's, so a test can tell the two apart.
    """
    rng = np.random.default_rng(seed)
    directory = Path(directory)
    for folder, (low, high) in zip(PHOTO_FOLDERS, ((0, 128), (128, 256)), strict=True):
        (directory / folder).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            pixels = rng.integers(low, high, (*size, 3), dtype=np.uint8)
            tf.io.write_file(str(directory / folder / f"{index}.png"), tf.io.encode_png(pixels))
    return directory


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--count", type=int, default=4)
    args = parser.parse_args()
    written = write_random_photos(args.directory, args.count)
    print(f"wrote {args.count} random photos per domain to {written}")
