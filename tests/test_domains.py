"""Lesson 05's two unpaired digit domains (gan_utils.domains)."""

import numpy as np
import pytest

from gan_utils import data, domains


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
