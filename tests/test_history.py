"""The image history of CycleGAN (lesson 05): fills first, then swaps about half the images."""

import keras
import numpy as np
import pytest

from gan_utils.history import ImageHistory


def constant_images(values):
    """One 2×2 image per value, every pixel equal to it: an image's value names it."""
    return np.asarray(values, dtype="float32")[:, None, None, None] * np.ones(
        (1, 2, 2, 1), "float32"
    )


def names(images):
    return keras.ops.convert_to_numpy(images)[:, 0, 0, 0]


def test_new_images_pass_through_until_the_history_is_full():
    history = ImageHistory(size=5, seed=0)
    first = names(history(constant_images([1, 2, 3])))
    second = names(history(constant_images([4, 5])))
    np.testing.assert_array_equal(first, [1, 2, 3])
    np.testing.assert_array_equal(second, [4, 5])
    assert int(history.stored.numpy()) == 5
    np.testing.assert_array_equal(names(history.images.numpy()[:5]), [1, 2, 3, 4, 5])


def test_a_full_history_returns_each_image_or_an_older_one_and_stores_what_it_swapped():
    history = ImageHistory(size=4, seed=1)
    history(constant_images([1, 2, 3, 4]))
    swapped = 0
    for step in range(50):
        new = 100.0 * (step + 1) + np.arange(8)
        before = set(names(history.images.numpy()[:4]))
        returned = names(history(constant_images(new)))
        after = set(names(history.images.numpy()[:4]))
        for image, out in zip(new, returned, strict=True):
            if out == image:
                continue
            swapped += 1
            assert out in before  # an older image, taken from the history...
        assert after <= before | set(new)  # ...and the history holds only images it was shown
    # P(swap) = ½ for each image, but at most 4 per batch of 8 (the history holds 4):
    # E[min(Binomial(8, ½), 4)] = 3.64 per batch, 182 ± 7 over 50 batches.
    assert 150 <= swapped <= 215


def test_no_two_images_of_a_batch_swap_with_the_same_stored_image():
    for seed in range(5):
        history = ImageHistory(size=10, swap_probability=1.0, seed=seed)
        history(constant_images(np.arange(1, 11)))  # fills slots with 1..10
        returned = names(history(constant_images(np.arange(100, 106))))
        assert len(set(returned)) == 6 and set(returned) <= set(range(1, 11)), returned
        stored = names(history.images.numpy()[:10])
        assert len(set(stored)) == 10  # every image kept: 4 old ones and the 6 new
        assert set(range(100, 106)) <= set(stored)


def test_the_batch_that_fills_the_history_swaps_only_with_images_already_stored():
    # Slots 3 and 4 are written by the second batch; its other images may swap, but only with
    # 1, 2 or 3, never with an empty (zero) slot.
    for seed in range(10):
        history = ImageHistory(size=5, seed=seed)
        history(constant_images([1, 2, 3]))
        returned = names(history(constant_images(np.arange(10, 18))))
        assert set(returned) <= {1.0, 2.0, 3.0} | set(np.arange(10.0, 18.0)), returned
        assert int(history.stored.numpy()) == 5


def test_the_history_is_saved_with_a_model(tmp_path):
    inputs = keras.Input((2, 2, 1))
    model = keras.Model(inputs, ImageHistory(size=3, seed=0)(inputs))
    model.predict(constant_images([7, 8]), verbose=0)
    model.save(tmp_path / "with_history.keras")
    restored = keras.saving.load_model(tmp_path / "with_history.keras")
    history = restored.layers[-1]
    assert int(history.stored.numpy()) == 2
    np.testing.assert_array_equal(names(history.images.numpy()[:2]), [7, 8])


def test_size_must_be_positive():
    with pytest.raises(ValueError, match="size must be at least 1"):
        ImageHistory(size=0)
