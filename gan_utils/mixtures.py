"""2-D Gaussian mixtures and the figures of mode collapse (introduced in lesson 06).

The mode-collapse benchmarks of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018):
eight modes on a ring (`ring_means`) and 25 on a grid (`grid_means`), named in `MIXTURES` and
drawn with `sample_mixture`. `mode_statistics` scores a generator's samples the papers' way:
modes captured, share of high-quality samples and the reverse KL of the mode histogram.
"""

import numpy as np

__all__ = [
    "MIXTURES",
    "grid_means",
    "mixture",
    "mode_statistics",
    "ring_means",
    "sample_mixture",
]


# -- The mixtures ------------------------------------------------------------------------------


def ring_means(modes=8):
    """(cos 2πk/modes, sin 2πk/modes) for k = 0 … modes − 1: equally spaced on the unit circle."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def grid_means(values=(-4, -2, 0, 2, 4)):
    """Every pair of `values`: the 25 points {−4, −2, 0, 2, 4}²."""
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


# name -> (means, standard deviation of every component)
MIXTURES = {"ring": (ring_means(), 0.01), "grid": (grid_means(), 0.05)}


def mixture(name):
    """The means (K, 2) and the common standard deviation of the mixture `name`."""
    if name not in MIXTURES:
        raise ValueError(f"mixture must be one of {sorted(MIXTURES)}, got {name!r}")
    means, std = MIXTURES[name]
    return means.copy(), std


def sample_mixture(name, n, seed=None):
    """n points from the equal-weight mixture `name`: a mean chosen uniformly, plus N(0, std² I)."""
    means, std = mixture(name)
    rng = np.random.default_rng(seed)
    components = rng.integers(len(means), size=n)
    return (means[components] + std * rng.standard_normal((n, 2))).astype(np.float32)


# -- Scoring a generator's samples -------------------------------------------------------------


def mode_statistics(samples, means, std, quality_radius_in_std=3.0):
    """The VEEGAN / PacGAN figures of samples from a generator of a 2-D Gaussian mixture.

    Every sample is assigned to its nearest mean. It is *high quality* when it lies within
    `quality_radius_in_std` standard deviations of that mean; a mode is *captured* when at least
    one high-quality sample is nearest to it. The papers use 2,500 samples.

    The reverse KL follows the PacGAN authors' evaluation code (`MetricLogger` in
    github.com/fjxmlzn/PacGAN, synthetic_data_experiments/PacGAN/pacgan/extensions.py): the mode
    histogram counts only the high-quality samples and is normalized by their number,

        p_k = (high-quality samples nearest to mode k) / (high-quality samples),
        KL(p ‖ uniform) = Σ_k p_k log(K p_k), with 0 log 0 = 0.

    That code logs the entropy H(p) of this histogram, and KL(p ‖ uniform) = log K − H(p): this
    `reverse_kl` is the figure PacGAN's Table 1 reports beside modes and high-quality samples.
    With no high-quality sample at all the histogram is empty and the KL undefined: the
    authors' code then divides 0 by 0 and logs NaN, and so does this function (not log K, which
    would claim every sample sits at one mode).

    Returns:
        modes: how many modes are captured;
        hq_percent: the share of high-quality samples, in percent;
        reverse_kl: KL(p ‖ uniform) of the histogram of high-quality samples over the modes, as
            in the papers (finite when modes are missed, as a missed mode has p = 0; NaN when
            no sample is of high quality);
        reverse_kl_all_samples: the same KL of the histogram of nearest means over all samples,
            low-quality ones included:
            samples far from every mode still spread it, so it can look good when the papers'
            figure does not.
    """
    samples = np.asarray(samples, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"expected samples of shape (N, {means.shape[1]}), got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - means[None, :, :], axis=-1)  # (N, K)
    nearest = np.argmin(distances, axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= quality_radius_in_std * std
    return {
        "modes": int(len(np.unique(nearest[high_quality]))),
        "hq_percent": float(100 * np.mean(high_quality)),
        "reverse_kl": _kl_to_uniform(np.bincount(nearest[high_quality], minlength=len(means))),
        "reverse_kl_all_samples": _kl_to_uniform(np.bincount(nearest, minlength=len(means))),
    }


def _kl_to_uniform(counts):
    """KL(p ‖ uniform) of the histogram p = counts / Σ counts over K = len(counts) bins.

    KL(p ‖ u) = Σ_k p_k log(p_k / (1/K)), with 0 log 0 = 0; NaN for an empty histogram.
    """
    total = counts.sum()
    if total == 0:
        return float("nan")
    shares = counts[counts > 0] / total
    return float(np.sum(shares * np.log(shares * len(counts))))
