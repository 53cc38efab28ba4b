"""Measured stroke properties of digit images: slant and stroke width (lesson 09).

InfoGAN's continuous codes are said to capture a digit's slant and its stroke width. These
functions measure both on images, so that the claim becomes a correlation, not an impression.
Images are batches shaped (n, height, width) or (n, height, width, 1), pixels in [-1, 1] as
the course's generators draw them (or in [0, 1]: pass `pixel_range=(0, 1)`).
"""

import numpy as np


def ink(images, pixel_range=(-1.0, 1.0)):
    """Ink intensity in [0, 1] per pixel, shaped (n, height, width)."""
    images = np.asarray(images, dtype="float64")
    if images.ndim == 4:
        images = images[..., 0]
    low, high = pixel_range
    return np.clip((images - low) / (high - low), 0.0, 1.0)


def slant(images, pixel_range=(-1.0, 1.0)):
    """How far each digit leans to the right: the shear that would stand it upright.

    With x the column and y the row (growing downwards) of each pixel, weighted by its ink,
    a digit sheared by x → x − s·y has cov(x, y) = −s·var(y). So

        slant = −cov(x, y) / var(y),

    the horizontal shift per row of height (0 for an upright stroke, > 0 when the top leans
    right). The same moment ratio is the usual deskewing rule for MNIST.
    """
    weights = ink(images, pixel_range)
    rows, columns = np.indices(weights.shape[1:], dtype="float64")
    mass = weights.sum(axis=(1, 2))

    def mean(values):
        return (weights * values).sum(axis=(1, 2)) / mass

    mean_x, mean_y = mean(columns), mean(rows)
    covariance = mean(columns * rows) - mean_x * mean_y
    variance_y = mean(rows**2) - mean_y**2
    return -covariance / variance_y


def _neighbours(binary):
    """The 8 neighbours P2..P9 of every pixel, clockwise from the one above (Zhang–Suen)."""
    padded = np.pad(binary, ((0, 0), (1, 1), (1, 1)))
    height, width = binary.shape[1:]

    def shifted(dy, dx):
        return padded[:, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]

    offsets = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
    return [shifted(dy, dx) for dy, dx in offsets]


def skeleton(binary):
    """Zhang–Suen thinning (1984) of a batch of binary images: strokes one pixel wide.

    Each pass removes, in two half-steps, the boundary pixels whose removal keeps the stroke
    connected (2 to 6 ink neighbours, exactly one 0→1 transition around them), until none
    changes. Vectorised over the batch.
    """
    image = np.asarray(binary, dtype=bool).copy()
    while True:
        changed = False
        for half in (0, 1):
            p2, p3, p4, p5, p6, p7, p8, p9 = _neighbours(image)
            ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
            count = sum(p.astype(int) for p in ring[:8])
            transitions = sum((~a & b).astype(int) for a, b in zip(ring, ring[1:], strict=False))
            if half == 0:
                corner = ~(p2 & p4 & p6) & ~(p4 & p6 & p8)
            else:
                corner = ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
            remove = image & (count >= 2) & (count <= 6) & (transitions == 1) & corner
            if remove.any():
                image &= ~remove
                changed = True
        if not changed:
            return image


def stroke_width(images, pixel_range=(-1.0, 1.0), threshold=0.5):
    """Mean stroke width in pixels, from the ink area A and the skeleton's length S.

    A stroke of length L and width w covers A ≈ L·w pixels. Thinning eats about w/2 from
    each end, so its skeleton is S ≈ L − w pixels long. Eliminating L from the two:

        w² + S·w − A = 0,   w = (√(S² + 4A) − S) / 2,

    which for long strokes tends to ink mass over skeleton length, A / S. Pixels with ink
    above `threshold` count as ink.
    """
    binary = ink(images, pixel_range) > threshold
    area = binary.sum(axis=(1, 2)).astype("float64")
    length = skeleton(binary).sum(axis=(1, 2)).astype("float64")
    return (np.sqrt(length**2 + 4 * area) - length) / 2
