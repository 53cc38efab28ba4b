"""Two unpaired digit domains for image-to-image translation (introduced in lesson 05).

CycleGAN's lesson translates between domain A, plain grey digits (`gray_to_rgb`), and domain B,
the same kind of digits drawn in dark red ink on cream paper (`restyle_digits`).
`unpaired_digit_domains` builds both from disjoint halves of the MNIST digits of `gan_utils.data`,
so no pair (a, G(a)) exists to learn from. `luminance` gives the brightness channel that the
digit judges read. `load_photo_domains` reads the paper's own task, horse2zebra, for the
lesson's photo section (`gpu` profile).
"""

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from gan_utils.data import load_mnist, to_unit_range

__all__ = [
    "INK_RGB",
    "LUMA_WEIGHTS",
    "PAPER_RGB",
    "PHOTOS_DIR_VAR",
    "gray_to_rgb",
    "load_photo_domains",
    "luminance",
    "restyle_digits",
    "unpaired_digit_domains",
]

# Domain B's pen and paper, RGB on [-1, 1]: cream paper, dark red ink.
PAPER_RGB = (1.0, 0.9, 0.2)
INK_RGB = (0.1, -0.9, -0.8)
# ITU-R BT.601 luma weights: how bright an RGB pixel looks.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def gray_to_rgb(images):
    """Grey digits as RGB images with three equal channels: float32 (N, H, W, 3)."""
    return np.repeat(to_unit_range(images)[..., :1], 3, axis=-1)


def restyle_digits(images):
    """Domain B's style: dark red ink on cream paper instead of white on black.

    Each pixel's ink share t = (a + 1) / 2 (0 on the paper, 1 on a full stroke) picks the colour
    paper + t (ink − paper). Takes grey digits in any format `to_unit_range` accepts, or the
    RGB form of `gray_to_rgb`; returns float32 (N, 28, 28, 3) in [-1, 1]. It is the true
    translation A → B, which only the evaluation may use. Every grey level gets its own colour,
    so the map can be undone: a cycle A → B → A loses nothing.
    """
    ink_share = (to_unit_range(images)[..., :1] + 1.0) / 2.0
    paper, ink = np.asarray(PAPER_RGB, np.float32), np.asarray(INK_RGB, np.float32)
    return (paper + ink_share * (ink - paper)).astype(np.float32)


def luminance(images):
    """How bright each pixel looks (BT.601 luma), as one channel: float32 (N, H, W, 1).

    Grey RGB images give back their grey level; the digit judges read this channel.
    """
    images = to_unit_range(images)
    return (images @ np.asarray(LUMA_WEIGHTS, np.float32))[..., np.newaxis]


def unpaired_digit_domains(split="train", source="auto", seed=0, verbose=True):
    """Two unpaired domains from disjoint halves of the digits of `split`.

    Returns ((a_images, a_labels), (b_images, b_labels)): A holds plain grey digits (as RGB,
    `gray_to_rgb`) and B restyled ones (`restyle_digits`), each float32 (N, 28, 28, 3) in
    [-1, 1]. A seeded shuffle splits the digits in two, so no digit appears in both domains and
    no pair (a, G(a)) exists to learn from. The labels are for evaluation only.
    """
    images, labels = load_mnist(split, source=source, verbose=verbose)
    order = np.random.default_rng(seed).permutation(len(images))
    half = len(images) // 2
    a_index, b_index = order[:half], order[half : 2 * half]
    domain_a = (gray_to_rgb(images[a_index]), labels[a_index].copy())
    domain_b = (restyle_digits(images[b_index]), labels[b_index].copy())
    return domain_a, domain_b


# -- Photos: horse2zebra (Zhu et al. 2017) -----------------------------------------------------

PHOTOS_DIR_VAR = "GAN_PHOTOS_DIR"
PHOTO_FOLDERS = ("trainA", "trainB")  # horses, zebras: the layout of the authors' archive
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def load_photo_domains(size=128, batch_size=1, directory=None, verbose=True):
    """Horses (domain A) and zebras (domain B): two endless, shuffled tf.data streams of
    batches (batch_size, size, size, 3), float32 in [-1, 1].

    From `directory`, or `$GAN_PHOTOS_DIR`, when one is given: JPEG or PNG photos in its
    trainA/ and trainB/ folders, the layout of the CycleGAN authors' horse2zebra.zip (and of
    the test suite's tiny stand-in). Otherwise from tensorflow_datasets'
    `cycle_gan/horse2zebra`, which needs `pip install tensorflow-datasets` and downloads about
    111 MB on first use. Prints one line saying which source it read.
    """
    directory = directory or os.environ.get(PHOTOS_DIR_VAR)
    if directory:
        splits, counts = _photo_folders(Path(directory))
        source = f"photos from the folder {Path(directory).name}/"
    else:
        splits, counts = _photos_from_tfds()
        source = "tensorflow_datasets cycle_gan/horse2zebra"
    if verbose:
        print(f"horse2zebra: {source}, {counts[0]:,} horses (A) / {counts[1]:,} zebras (B)")
    return tuple(_photo_stream(images, size, batch_size, seed)
                 for seed, images in enumerate(splits))


def _photo_folders(directory):
    """One dataset of decoded uint8 photos per folder of PHOTO_FOLDERS, and their counts."""
    splits, counts = [], []
    for name in PHOTO_FOLDERS:
        folder = directory / name
        files = sorted(str(path) for path in folder.glob("*")
                       if path.suffix.lower() in PHOTO_SUFFIXES) if folder.is_dir() else []
        if not files:
            raise FileNotFoundError(
                f"{folder} holds no photos: expected .jpg or .png files in {directory.name}/"
                f"{PHOTO_FOLDERS[0]} and {directory.name}/{PHOTO_FOLDERS[1]}, the layout of "
                "horse2zebra.zip")
        splits.append(tf.data.Dataset.from_tensor_slices(files).map(_decode_photo))
        counts.append(len(files))
    return splits, counts


def _decode_photo(path):
    return tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)


def _photos_from_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise ModuleNotFoundError(
            "tensorflow_datasets is not installed: `pip install tensorflow-datasets` (the "
            f"photos then download, about 111 MB), or set {PHOTOS_DIR_VAR} to an unpacked "
            f"horse2zebra folder ({PHOTO_FOLDERS[0]}/, {PHOTO_FOLDERS[1]}/)") from None
    splits = tfds.load("cycle_gan/horse2zebra", split=list(PHOTO_FOLDERS), as_supervised=True)
    counts = [int(split.cardinality()) for split in splits]  # tfds knows each split's size
    return [split.map(lambda image, _label: image) for split in splits], counts


def _photo_stream(photos, size, batch_size, seed):
    def to_model_range(image):
        return tf.image.resize(tf.cast(image, tf.float32), (size, size)) / 127.5 - 1.0

    return (photos.map(to_model_range).cache().shuffle(1000, seed=seed).repeat()
            .batch(batch_size).prefetch(tf.data.AUTOTUNE))
