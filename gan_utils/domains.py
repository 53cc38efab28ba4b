"""Two unpaired digit domains for image-to-image translation (introduced in lesson 05).

CycleGAN's lesson translates between domain A, plain grey digits (`gray_to_rgb`), and domain B,
the same kind of digits drawn in dark red ink on cream paper (`restyle_digits`).
`unpaired_digit_domains` builds both from disjoint halves of the MNIST digits of `gan_utils.data`,
so no pair (a, G(a)) exists to learn from. `luminance` gives the brightness channel that the
digit judges read.
"""

import numpy as np

from gan_utils.data import load_mnist, to_unit_range

__all__ = [
    "INK_RGB",
    "LUMA_WEIGHTS",
    "PAPER_RGB",
    "gray_to_rgb",
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
