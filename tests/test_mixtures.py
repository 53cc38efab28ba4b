"""The 2-D Gaussian mixtures of lesson 06 and the figures of mode collapse (gan_utils.mixtures)."""

import numpy as np
import pytest

from gan_utils import mixtures

# -- The mixtures ------------------------------------------------------------------------------


def test_ring_and_grid_have_the_papers_geometry():
    ring, ring_std = mixtures.mixture("ring")
    assert ring.shape == (8, 2) and ring_std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0, rtol=1e-6)
    angles = np.sort(np.mod(np.arctan2(ring[:, 1], ring[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)
    grid, grid_std = mixtures.mixture("grid")
    assert grid.shape == (25, 2) and grid_std == 0.05
    assert {tuple(point) for point in grid.tolist()} == {
        (x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}


def test_sample_mixture_draws_every_mode_equally_with_the_stated_spread():
    means, std = mixtures.mixture("grid")
    samples = mixtures.sample_mixture("grid", 50_000, seed=1)
    assert samples.dtype == np.float32 and samples.shape == (50_000, 2)
    nearest = np.argmin(np.linalg.norm(samples[:, None] - means[None], axis=-1), axis=1)
    shares = np.bincount(nearest, minlength=25) / len(samples)
    np.testing.assert_allclose(shares, 1 / 25, atol=0.005)
    offsets = samples - means[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), std, rtol=0.03)
    again = mixtures.sample_mixture("grid", 50_000, seed=1)
    np.testing.assert_array_equal(samples[:10], again[:10])


def test_unknown_mixture_is_a_clear_error():
    with pytest.raises(ValueError, match="mixture must be one of"):
        mixtures.mixture("spiral")


# -- mode_statistics ---------------------------------------------------------------------------


def test_mode_statistics_of_the_true_mixture_capture_every_mode():
    for name in ("ring", "grid"):
        means, std = mixtures.mixture(name)
        samples = mixtures.sample_mixture(name, 20_000, seed=0)
        figures = mixtures.mode_statistics(samples, means, std)
        assert figures["modes"] == len(means)
        # P(‖x − μ‖ ≤ 3σ) for a 2-D Gaussian is 1 − exp(−9/2) = 98.89 %
        assert figures["hq_percent"] == pytest.approx(100 * (1 - np.exp(-4.5)), abs=0.4)
        # A multinomial histogram of N samples over K modes has KL ≈ (K − 1) / 2N to uniform
        # (N = the high-quality samples, 98.9 % of them, for the papers' KL).
        assert figures["reverse_kl"] < 5 * (len(means) - 1) / (2 * 20_000)
        assert figures["reverse_kl_all_samples"] < 5 * (len(means) - 1) / (2 * 20_000)


def test_mode_statistics_of_a_collapsed_generator():
    means, std = mixtures.mixture("ring")
    collapsed = np.repeat(means[:2], 50, axis=0)  # half the samples on each of 2 of 8 modes
    figures = mixtures.mode_statistics(collapsed, means, std)
    # Every sample is of high quality: both histograms are (1/2, 1/2) on two of 8 modes.
    assert figures == {"modes": 2, "hq_percent": 100.0, "reverse_kl": pytest.approx(np.log(4)),
                       "reverse_kl_all_samples": pytest.approx(np.log(4))}
    one_mode = mixtures.mode_statistics(np.repeat(means[:1], 10, axis=0), means, std)
    assert one_mode["reverse_kl"] == pytest.approx(np.log(8))  # KL(δ ‖ uniform over 8) = log 8


def test_a_mode_needs_a_high_quality_sample_to_count():
    means, std = mixtures.mixture("grid")
    # Nearest to mode 0, but 4σ away from it: low quality, so mode 0 is not captured.
    near_miss = means[0] + np.array([4 * std, 0.0])
    samples = np.stack([near_miss, means[1], means[1], means[1]])
    figures = mixtures.mode_statistics(samples, means, std)
    assert figures["modes"] == 1
    assert figures["hq_percent"] == pytest.approx(75.0)
    # The papers' histogram leaves the low-quality sample out: p = δ at mode 1, KL = log 25.
    assert figures["reverse_kl"] == pytest.approx(np.log(25))
    # The all-samples histogram counts it: p = (1/4, 3/4) on two of 25 modes.
    expected = 0.25 * np.log(0.25 * 25) + 0.75 * np.log(0.75 * 25)
    assert figures["reverse_kl_all_samples"] == pytest.approx(expected)


def test_reverse_kl_counts_only_high_quality_samples():
    # 104 high-quality samples, all at mode 0 of the ring, and 896 = 8 × 112 samples far from
    # every mode (50σ to 200σ), 112 nearest to each of the 8 means: the papers' histogram sees a
    # single mode, the all-samples one an almost uniform spread.
    means, std = mixtures.mixture("ring")
    rng = np.random.default_rng(0)
    mode = np.repeat(np.arange(8), 112)
    # Within ±π/16 of a mode's direction (half-way to the next one is π/8) and at radius 1.5 to
    # 3 from the centre: nearest to that mode, 0.5 to 2 away from it.
    angle = 2 * np.pi * mode / 8 + rng.uniform(-np.pi / 16, np.pi / 16, size=len(mode))
    radius = rng.uniform(1.5, 3.0, size=len(mode))
    far = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    samples = np.concatenate([np.repeat(means[:1], 104, axis=0), far])
    assert len(samples) == 1000

    figures = mixtures.mode_statistics(samples, means, std)
    assert figures["modes"] == 1
    assert figures["hq_percent"] == pytest.approx(10.4)
    assert figures["reverse_kl"] == pytest.approx(np.log(8), abs=1e-6)
    # All samples: mode 0 holds 104 + 112 = 216 of 1000, each other mode 112.
    shares = np.array([216] + [112] * 7) / 1000
    expected = np.sum(shares * np.log(8 * shares))
    assert figures["reverse_kl_all_samples"] == pytest.approx(expected, abs=1e-9)
    assert expected < 0.035  # 0.0321: the low-quality samples hide the collapse


def test_reverse_kl_is_nan_without_high_quality_samples():
    # The authors' code divides the empty histogram by its total 0 and logs NaN: so do we.
    means, std = mixtures.mixture("ring")
    far = 2.0 * means  # each 100σ from its nearest mean, one per mode
    figures = mixtures.mode_statistics(far, means, std)
    assert figures["modes"] == 0 and figures["hq_percent"] == 0.0
    assert np.isnan(figures["reverse_kl"])
    assert figures["reverse_kl_all_samples"] == pytest.approx(0.0, abs=1e-12)  # uniform


def test_mode_statistics_reject_samples_of_the_wrong_shape():
    means, std = mixtures.mixture("ring")
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        mixtures.mode_statistics(np.zeros((5, 3)), means, std)
