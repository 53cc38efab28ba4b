"""Slant and stroke width, checked on synthetic strokes of known slant and width."""

import numpy as np
import pytest

from gan_utils import strokes


def bar(width, length=16, shear=0.0, size=28, supersample=4):
    """A vertical stroke of `width` × `length` pixels, its top shifted right by shear per row,
    drawn at 4× resolution and averaged down (anti-aliased), pixels in [-1, 1]."""
    rows, columns = np.indices((size * supersample, size * supersample)) / supersample
    y = rows - size / 2
    x = columns - size / 2 + shear * y  # y < 0 at the top: the top moves right for shear > 0
    inside = (np.abs(x) <= width / 2) & (np.abs(y) <= length / 2)
    coverage = inside.reshape(size, supersample, size, supersample).mean(axis=(1, 3))
    return coverage * 2 - 1


@pytest.mark.parametrize("shear", [-0.5, -0.2, 0.0, 0.3, 0.6])
def test_slant_recovers_the_shear_of_a_stroke(shear):
    assert strokes.slant(bar(3, shear=shear)[None])[0] == pytest.approx(shear, abs=0.01)


def test_slant_takes_images_with_a_channel_axis_and_other_pixel_ranges():
    image = bar(2, shear=0.3)
    with_channel = image[None, ..., None]
    unit_range = (image[None] + 1) / 2
    assert strokes.slant(with_channel)[0] == pytest.approx(0.3, abs=0.01)
    assert strokes.slant(unit_range, pixel_range=(0, 1))[0] == pytest.approx(0.3, abs=0.01)


@pytest.mark.parametrize("length", [10, 16, 22])
@pytest.mark.parametrize("width", [2, 3, 4, 5, 6])
def test_stroke_width_of_upright_bars(width, length):
    assert strokes.stroke_width(bar(width, length)[None])[0] == pytest.approx(width, abs=0.25)


def test_stroke_width_grows_with_width_for_slanted_strokes_and_rings():
    slanted = np.stack([bar(w, shear=0.4) for w in (2, 3, 4, 5)])
    assert np.all(np.diff(strokes.stroke_width(slanted)) > 0)
    rows, columns = np.indices((28, 28))
    radius = np.hypot(rows - 13.5, columns - 13.5)
    rings = np.stack([((radius > 8 - w / 2) & (radius < 8 + w / 2)) * 2.0 - 1 for w in (2, 3, 4)])
    assert np.all(np.diff(strokes.stroke_width(rings)) > 0)


def test_skeleton_is_one_pixel_wide_and_keeps_a_bar_connected():
    thick = np.zeros((1, 20, 20), dtype=bool)
    thick[0, 8:13, 3:17] = True  # 5 rows × 14 columns
    thin = strokes.skeleton(thick)[0]
    assert thin.sum() > 0 and np.all(thin <= thick[0])
    assert np.all(thin.sum(axis=0)[thin.any(axis=0)] == 1)  # one pixel per column
    columns = np.flatnonzero(thin.any(axis=0))
    assert np.all(np.diff(columns) == 1)  # no gap along the bar
