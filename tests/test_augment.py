"""DiffAugment's translation and cutout (lesson 10): what they do, and that gradients pass."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from gan_utils import augment

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, size=(8, 12, 12, 1)).astype(np.float32)


def as_numpy(x):
    return ops.convert_to_numpy(x)


def test_strength_zero_and_probability_zero_are_the_identity():
    for augmented in (augment.translate(IMAGES, ratio=0.0, seed=1),
                      augment.cutout(IMAGES, ratio=0.0, seed=1),
                      augment.diff_augment(IMAGES, probability=0.0, seed=1),
                      augment.diff_augment(IMAGES, translation=0.0, cutout_ratio=0.0, seed=1)):
        np.testing.assert_allclose(as_numpy(augmented), IMAGES, atol=1e-6)


def test_translation_moves_each_image_by_whole_pixels_and_fills_with_background():
    moved = as_numpy(augment.translate(IMAGES, ratio=0.25, seed=3))
    largest = 3  # 0.25 · 12
    for original, shifted in zip(IMAGES, moved, strict=True):
        matches = []
        for dy in range(-largest, largest + 1):
            for dx in range(-largest, largest + 1):
                expected = np.full_like(original, augment.BACKGROUND)
                rows, cols = slice(max(dy, 0), 12 + min(dy, 0)), slice(max(dx, 0), 12 + min(dx, 0))
                src_rows = slice(max(-dy, 0), 12 + min(-dy, 0))
                src_cols = slice(max(-dx, 0), 12 + min(-dx, 0))
                expected[rows, cols] = original[src_rows, src_cols]
                matches.append(np.allclose(shifted, expected, atol=1e-6))
        assert sum(matches) == 1  # exactly one shift within the range explains the image


def test_cutout_sets_one_square_to_background_and_leaves_the_rest():
    cut = as_numpy(augment.cutout(IMAGES, ratio=0.5, seed=4))
    for original, result in zip(IMAGES, cut, strict=True):
        changed = ~np.isclose(original, result)
        assert np.all(result[changed] == augment.BACKGROUND)
        rows, cols = np.nonzero(changed[..., 0])
        if len(rows):  # a square (cut by the border at most): its bounding box is all cut
            box = changed[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
            assert box.all() and box.shape[0] <= 6 and box.shape[1] <= 6


def test_each_image_gets_its_own_draw_and_the_probability_is_respected():
    many = np.zeros((400, 12, 12, 1), np.float32)  # mid-grey images: any cut shows
    cut = as_numpy(augment.cutout(many, ratio=0.5, probability=0.3, seed=5))
    share_cut = np.mean(np.any(cut == augment.BACKGROUND, axis=(1, 2, 3)))
    assert 0.22 < share_cut < 0.38
    moved = as_numpy(augment.translate(IMAGES, ratio=0.25, seed=6))
    assert len({moved[i].tobytes() for i in range(len(IMAGES))}) > 1


def test_gradients_flow_through_the_augmentation_to_the_images():
    images = tf.Variable(IMAGES)
    with tf.GradientTape() as tape:
        total = ops.sum(augment.diff_augment(images, seed=keras.random.SeedGenerator(7)))
    gradient = as_numpy(tape.gradient(total, images))
    # Each input pixel's gradient is 0 (cut or shifted out) or 1 (it reaches one output pixel).
    assert set(np.unique(np.round(gradient, 5))) <= {0.0, 1.0}
    assert gradient.sum() > 0.3 * gradient.size


def test_an_int_seed_draws_the_two_shifts_independently_and_reproducibly():
    dot = np.full((64, 12, 12, 1), augment.BACKGROUND, np.float32)
    dot[:, 6, 6, 0] = 1.0  # one lit pixel: where it lands is the shift (dy, dx)
    moved = as_numpy(augment.translate(dot, ratio=0.25, seed=11))[..., 0]
    shifts = [np.argwhere(image == 1.0)[0] - 6 for image in moved]
    assert any(dy != dx for dy, dx in shifts)  # the same seed reused for both axes gives dy = dx
    again = as_numpy(augment.translate(dot, ratio=0.25, seed=11))[..., 0]
    np.testing.assert_array_equal(moved, again)
