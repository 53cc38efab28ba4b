"""Lesson 05's two unpaired digit domains (gan_utils.domains)."""

import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import import_from

from gan_utils import data, domains
from gan_utils.lessons import cyclegan


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch):
    """Every test starts with no digits loaded, and leaves the real cache untouched."""
    monkeypatch.setattr(data, "_CACHE", {})


def test_restyle_digits_paints_paper_and_ink_and_can_be_undone():
    # Paper (−1) becomes cream, a full stroke (+1) dark red, half ink the colour halfway.
    image = np.array([[[-1.0, 1.0, 0.0]]], dtype=np.float32)  # one row of three pixels
    styled = domains.restyle_digits(image)
    assert styled.shape == (1, 1, 3, 3) and styled.dtype == np.float32
    paper, ink = np.array(domains.PAPER_RGB), np.array(domains.INK_RGB)
    np.testing.assert_allclose(styled[0, 0], [paper, ink, (paper + ink) / 2], atol=1e-6)
    # The same for a grey image given as RGB; and the ink share comes back from any channel.
    np.testing.assert_array_equal(domains.restyle_digits(domains.gray_to_rgb(image)), styled)
    ink_share = (styled[..., 1] - paper[1]) / (ink[1] - paper[1])
    np.testing.assert_allclose(2 * ink_share - 1, image, atol=1e-6)


def test_luminance_gives_grey_back_and_darkens_red_ink():
    grey = np.array([[[-1.0, 0.25, 1.0]]], dtype=np.float32)
    grey_back = domains.luminance(domains.gray_to_rgb(grey))[..., 0]
    np.testing.assert_allclose(grey_back, grey, atol=1e-6)
    styled = domains.luminance(domains.restyle_digits(grey))[0, 0, :, 0]
    assert styled[0] > styled[1] > styled[2]  # paper brighter than ink: the style inverts


def test_restyle_digits_rejects_out_of_range_floats():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        domains.restyle_digits(np.full((1, 28, 28), 3.0, dtype=np.float32))


def test_unpaired_domains_are_disjoint_halves_in_their_own_styles():
    (a_images, a_labels), (b_images, b_labels) = domains.unpaired_digit_domains(
        "train", source="bundled", verbose=False
    )
    digits, labels = data.load_mnist("train", source="bundled", verbose=False)
    assert len(a_images) == len(b_images) == len(digits) // 2
    assert a_images.shape[1:] == b_images.shape[1:] == (28, 28, 3)
    # A is grey on black paper; B's paper is bright: mean luminance near −1 and well above 0.
    assert domains.luminance(a_images).mean() < -0.6 and domains.luminance(b_images).mean() > 0.4
    np.testing.assert_array_equal(a_images[..., 0], a_images[..., 2])
    # Disjoint: no plain digit of A, restyled, is one of B's images.
    b_keys = {image.tobytes() for image in b_images}
    assert not any(image.tobytes() in b_keys for image in domains.restyle_digits(a_images))
    # Each half keeps every class, with its labels aligned to its images.
    assert set(a_labels) == set(b_labels) == set(range(10))
    grey = data.to_unit_range(digits)[..., 0]
    first = np.flatnonzero((grey == a_images[0, ..., 0]).all(axis=(1, 2)))
    assert labels[first[0]] == a_labels[0]


# -- Photos (lesson 05's horse2zebra section) -------------------------------------------------

make_test_photos = import_from("scripts", "make_test_photos")


def test_photo_domains_read_a_folder_in_horse2zebras_layout(tmp_path, capsys):
    make_test_photos.write_random_photos(tmp_path / "h2z", count=3, size=(40, 60))
    horses, zebras = domains.load_photo_domains(size=32, batch_size=2, directory=tmp_path / "h2z")
    assert "photos from the folder h2z/, 3 horses (A) / 3 zebras (B)" in capsys.readouterr().out
    batch_a, batch_b = next(iter(horses)), next(iter(zebras))
    for batch in (batch_a, batch_b):  # resized, batched, channels last, on [-1, 1]
        assert batch.shape == (2, 32, 32, 3) and batch.dtype == tf.float32
        assert -1.0 <= float(tf.reduce_min(batch)) and float(tf.reduce_max(batch)) <= 1.0
    # A's photos were drawn darker than B's: the streams keep their domains apart.
    assert float(tf.reduce_max(batch_a)) < 0.0 < float(tf.reduce_min(batch_b))
    assert len(list(horses.take(5))) == 5  # endless: it repeats past its 3 photos


def test_photo_domains_follow_the_environment_and_name_a_missing_folder(tmp_path, monkeypatch):
    make_test_photos.write_random_photos(tmp_path / "ok", count=1, size=(8, 8))
    monkeypatch.setenv(domains.PHOTOS_DIR_VAR, str(tmp_path / "ok"))
    horses, _ = domains.load_photo_domains(size=8, verbose=False)
    assert next(iter(horses)).shape == (1, 8, 8, 3)
    (tmp_path / "half" / "trainA").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"trainA holds no photos.*horse2zebra\.zip"):
        domains.load_photo_domains(directory=tmp_path / "half")


def test_without_tensorflow_datasets_the_error_says_how_to_get_the_photos(monkeypatch):
    monkeypatch.delenv(domains.PHOTOS_DIR_VAR, raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # as if not installed
    with pytest.raises(ModuleNotFoundError,
                       match="pip install tensorflow-datasets.*GAN_PHOTOS_DIR"):
        domains.load_photo_domains()


def test_the_tensorflow_datasets_branch_reads_horse2zebra_as_colab_does(capsys, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.delenv(domains.PHOTOS_DIR_VAR, raising=False)
    with tfds.testing.mock_data(num_examples=3):  # random photos of its features: no download
        horses, zebras = domains.load_photo_domains(size=32, batch_size=2)
        batches = next(iter(horses)), next(iter(zebras))
    assert "tensorflow_datasets cycle_gan/horse2zebra, 3 horses (A) / 3 zebras (B)" in (
        capsys.readouterr().out)
    for batch in batches:
        assert batch.shape == (2, 32, 32, 3) and batch.dtype == tf.float32
        assert -1.0 <= float(tf.reduce_min(batch)) and float(tf.reduce_max(batch)) <= 1.0


def test_the_photo_cyclegan_trains_two_steps_on_the_stand_in(tmp_path):
    """Lesson 05's photo models (the paper's two downsamplings, 70 × 70 patches), two steps."""
    shape = (64, 64, 3)
    make_test_photos.write_random_photos(tmp_path, count=2, size=shape[:2])
    horses, zebras = domains.load_photo_domains(size=shape[0], directory=tmp_path, verbose=False)
    keras.utils.set_random_seed(0)
    gan = cyclegan.CycleGAN(
        cyclegan.build_generator("G", shape, width=4, blocks=1, strides=(2, 2)),
        cyclegan.build_discriminator("D_B", shape, strided_layers=3, width=4),
        cyclegan.build_generator("F", shape, width=4, blocks=1, strides=(2, 2)),
        cyclegan.build_discriminator("D_A", shape, strided_layers=3, width=4))
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4), g_optimizer=keras.optimizers.Adam(2e-4))
    history = gan.fit(tf.data.Dataset.zip(horses, zebras), epochs=1, steps_per_epoch=2,
                      verbose=0, shuffle=False)
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    assert all(np.isfinite(values[-1]) for values in history.history.values())
