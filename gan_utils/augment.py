"""Differentiable augmentation for a discriminator that has seen too few images (lesson 10).

DiffAugment (Zhao et al. 2020, *Differentiable Augmentation for Data-Efficient GAN Training*)
applies one random transformation T to every image D sees, real and generated alike, in D's
step and in G's step: D(T(x)) and D(T(G(z))). Since T is differentiable, G's gradient flows
back through it. D then rarely sees the same training image twice and memorises them far less,
and since fakes go through the same T, G is not asked to draw transformed digits.

Two transformations, the paper's choice for small datasets: translation (a shift by a whole
number of pixels, the uncovered border filled with background) and cutout (a square of the
image set to background). Images are batches (N, H, W, C) in [-1, 1]; the digits' background
is -1. Each image gets its own random draw, and each transformation is applied to an image
with `probability` (1 in DiffAugment; ADA, Karras et al. 2020, adapts it during training).
"""

import keras
from keras import ops

__all__ = ["cutout", "diff_augment", "translate"]

BACKGROUND = -1.0  # black, the digits' background in [-1, 1]


def _seed_stream(seed):
    """A SeedGenerator for an int seed, so that successive draws differ (dy from dx, say)."""
    return keras.random.SeedGenerator(seed) if isinstance(seed, int) else seed


def _applied(batch_size, probability, seed):
    """1.0 for the images a transformation applies to (each with `probability`), else 0.0."""
    draw = keras.random.uniform((batch_size,), seed=seed)
    return ops.cast(draw < probability, "float32")


def _shift_matrices(shifts, size):
    """One (size × size) 0/1 matrix per image, moving row i to row i + shift (or off the edge).

    S[b, i, j] = 1 when output position i reads input position j = i − shift_b. Rows that would
    read outside the image are all zero, so what slides in is 0: the caller shifts the
    background to 0 first.
    """
    positions = ops.arange(size)
    source = positions[None, :, None] - shifts[:, None, None]  # j wanted by output i
    return ops.cast(ops.equal(positions[None, None, :], source), "float32")


# T(x)[b, i, j] = x[b, i − dy_b, j − dx_b], with background outside the image
def translate(images, ratio=0.125, probability=1.0, background=BACKGROUND, seed=None):
    """Shift each image by whole pixels, up to ratio · size in each direction (0: identity).

    Written as two matrix products with 0/1 shift matrices, S_y · x · S_xᵀ, so the gradient
    with respect to the images is exact (each output pixel is one input pixel or background).
    """
    images = ops.convert_to_tensor(images, "float32")
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    seed = _seed_stream(seed)
    applied = _applied(batch, probability, seed)
    largest = [int(round(ratio * height)), int(round(ratio * width))]
    shifts = [
        ops.cast(applied, "int32") * keras.random.randint((batch,), -most, most + 1, seed=seed)
        for most in largest
    ]
    rows, columns = _shift_matrices(shifts[0], height), _shift_matrices(shifts[1], width)
    lifted = images - background  # background → 0, so that what slides in is background
    moved = ops.einsum("bij,bjwc->biwc", rows, lifted)
    moved = ops.einsum("bvw,biwc->bivc", columns, moved)
    return moved + background


# T(x) = m ⊙ x + (1 − m) · background, m = 0 inside one square per image
def cutout(images, ratio=0.5, probability=1.0, background=BACKGROUND, seed=None):
    """Set a square of side ratio · size, centred anywhere in the image, to background.

    The square may overhang the border (then less is cut). ratio 0 cuts nothing.
    """
    images = ops.convert_to_tensor(images, "float32")
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    seed = _seed_stream(seed)
    applied = _applied(batch, probability, seed)
    half = [ratio * height / 2, ratio * width / 2]
    inside = []
    for axis, size in enumerate((height, width)):
        centre = keras.random.uniform((batch, 1), 0, size, seed=seed)
        pixel = ops.cast(ops.arange(size), "float32")[None, :] + 0.5  # pixel centres
        inside.append(ops.cast(ops.abs(pixel - centre) < half[axis], "float32"))
    square = inside[0][:, :, None] * inside[1][:, None, :]  # (batch, H, W)
    cut = (applied[:, None, None] * square)[..., None]
    return (1.0 - cut) * images + cut * background


def diff_augment(images, translation=0.125, cutout_ratio=0.5, probability=1.0, seed=None):
    """DiffAugment's translation then cutout; call it on real and fake images alike.

    translation: the largest shift as a share of the image size (the paper: 1/8);
    cutout_ratio: the cut square's side as a share of the image size (the paper: 1/2);
    probability: the chance that each transformation applies to an image. Strength 0 or
    probability 0 gives the images back unchanged.
    """
    seed = _seed_stream(seed)
    images = translate(images, translation, probability, seed=seed)
    return cutout(images, cutout_ratio, probability, seed=seed)
