"""The judge and the formulas it is built on."""

import numpy as np
import pytest
import scipy.linalg
import scipy.ndimage

from gan_utils import data, metrics


def random_covariance(rng, dim):
    a = rng.normal(size=(dim, dim))
    return a @ a.T + 0.1 * np.eye(dim)


def test_frechet_distance_of_diagonal_gaussians_matches_closed_form():
    # Diagonal Σ: d² = Σ_i (μ1_i − μ2_i)² + (σ1_i − σ2_i)², σ the standard deviations.
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    var1, var2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = metrics.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_matches_scipy_sqrtm_for_full_covariances():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    s1, s2 = random_covariance(rng, 5), random_covariance(rng, 5)
    reference = (
        np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    )
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-8)
    assert metrics.frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)


def test_feature_statistics_are_mean_and_unbiased_covariance():
    features = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])
    mu, sigma = metrics.feature_statistics(features)
    np.testing.assert_allclose(mu, [3.0, 4.0])
    np.testing.assert_allclose(sigma, [[4.0, 2.0], [2.0, 4.0]])
    with pytest.raises(ValueError, match=r"expected features of shape \(N >= 2, d\)"):
        metrics.feature_statistics(np.zeros(5))


def test_gaussian_blur_matches_scipy_and_preserves_mass():
    rng = np.random.default_rng(1)
    images = np.zeros((2, 28, 28), dtype=np.float32)
    images[:, 8:20, 8:20] = rng.uniform(size=(2, 12, 12))
    blurred = metrics.gaussian_blur(images, sigma=1.5)
    # scipy truncates at truncate·σ; ours at ceil(3σ) = 5 px: compare with the same radius.
    reference = scipy.ndimage.gaussian_filter(
        images, sigma=(0, 1.5, 1.5), mode="nearest", radius=(0, 5, 5)
    )
    np.testing.assert_allclose(blurred, reference, atol=1e-6)
    np.testing.assert_allclose(blurred.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=1e-5)


def test_gaussian_blur_keeps_a_dark_background_dark_in_unit_range():
    background = np.full((1, 28, 28), -1.0, dtype=np.float32)
    np.testing.assert_allclose(metrics.gaussian_blur(background), background, atol=1e-6)


def test_class_histogram_and_coverage():
    labels = np.array([0] * 50 + [1] * 49 + [2])
    np.testing.assert_allclose(metrics.class_histogram(labels)[:3], [0.5, 0.49, 0.01])
    assert metrics.classes_covered(labels) == 2  # class 2 has 1 % < 2 %
    assert metrics.classes_covered(labels, min_share=0.01) == 3
    assert metrics.classes_covered(np.full(100, 7)) == 1


@pytest.fixture(scope="module")
def judge():
    return metrics.load_judge(verbose=False)


@pytest.fixture(scope="module")
def held_out():
    return data.load_mnist("test", source="bundled", verbose=False)


def test_judge_is_accurate_on_held_out_digits(judge, held_out):
    images, labels = held_out
    assert judge.accuracy(images, labels) >= 0.98


def test_judge_ranks_real_far_better_than_blurred_and_noise(judge, held_out):
    images, _ = held_out
    calibration = judge.calibration()
    noise = np.random.default_rng(0).uniform(-1, 1, size=(2000, 28, 28)).astype(np.float32)
    noise_fd = judge.evaluate(noise)["judge_fd"]
    assert calibration["judge_fd_real"] < 0.1 * calibration["judge_fd_blurred"]
    assert calibration["judge_fd_blurred"] < noise_fd
    # The held-out digits against themselves: distance zero.
    assert judge.fd_to_held_out(images) == pytest.approx(0.0, abs=1e-3)
    assert judge.evaluate(images)["judge_fd"] == pytest.approx(0.0, abs=1e-3)


def test_single_class_sample_covers_one_class(judge, held_out):
    images, labels = held_out
    sevens = images[labels == 7]
    report = judge.evaluate(sevens)
    assert report["classes_covered"] == 1
    assert report["class_histogram"][7] > 0.95
    # Only sevens: far from the held-out distribution of all ten digits.
    assert report["judge_fd"] > 10 * report["judge_fd_real"]


def test_judge_is_cached_on_disk_and_reloaded(judge, held_out, tmp_path, capsys):
    images, _ = held_out
    path = tmp_path / "judge.weights.h5"
    judge.classifier.save_weights(path)
    reloaded = metrics.load_judge(cache_path=path)
    assert "loaded from cache" in capsys.readouterr().out
    np.testing.assert_allclose(reloaded.logits(images[:50]), judge.logits(images[:50]), atol=1e-5)


def test_classification_accuracy_score_needs_labels_that_match_the_images():
    images, labels = data.load_mnist("train", source="bundled", verbose=False)
    matching = metrics.classification_accuracy_score(images, labels, epochs=2)
    shuffled_labels = np.random.default_rng(0).permutation(labels)
    shuffled = metrics.classification_accuracy_score(images, shuffled_labels, epochs=2)
    assert matching > 0.9
    assert shuffled < 0.25  # chance is 0.10


# -- 2-D mixtures (lesson 06) ------------------------------------------------------------------


def test_mode_statistics_of_the_true_mixture_capture_every_mode():
    for name in ("ring", "grid"):
        means, std = data.mixture(name)
        figures = metrics.mode_statistics(data.sample_mixture(name, 20_000, seed=0), means, std)
        assert figures["modes"] == len(means)
        # P(‖x − μ‖ ≤ 3σ) for a 2-D Gaussian is 1 − exp(−9/2) = 98.89 %
        assert figures["hq_percent"] == pytest.approx(100 * (1 - np.exp(-4.5)), abs=0.4)
        # A multinomial histogram of N samples over K modes has KL ≈ (K − 1) / 2N to uniform.
        assert figures["reverse_kl"] < 5 * (len(means) - 1) / (2 * 20_000)


def test_mode_statistics_of_a_collapsed_generator():
    means, std = data.mixture("ring")
    collapsed = np.repeat(means[:2], 50, axis=0)  # half the samples on each of 2 of 8 modes
    figures = metrics.mode_statistics(collapsed, means, std)
    assert figures == {"modes": 2, "hq_percent": 100.0, "reverse_kl": pytest.approx(np.log(4))}
    one_mode = metrics.mode_statistics(np.repeat(means[:1], 10, axis=0), means, std)
    assert one_mode["reverse_kl"] == pytest.approx(np.log(8))  # KL(δ ‖ uniform over 8) = log 8


def test_a_mode_needs_a_high_quality_sample_to_count():
    means, std = data.mixture("grid")
    # Nearest to mode 0, but 4σ away from it: low quality, so mode 0 is not captured.
    near_miss = means[0] + np.array([4 * std, 0.0])
    figures = metrics.mode_statistics(np.stack([near_miss, means[1], means[1], means[1]]),
                                      means, std)
    assert figures["modes"] == 1
    assert figures["hq_percent"] == pytest.approx(75.0)
    # The histogram still counts the low-quality sample: p = (1/4, 3/4) on two of 25 modes.
    expected = 0.25 * np.log(0.25 * 25) + 0.75 * np.log(0.75 * 25)
    assert figures["reverse_kl"] == pytest.approx(expected)


def test_mode_statistics_reject_samples_of_the_wrong_shape():
    means, std = data.mixture("ring")
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        metrics.mode_statistics(np.zeros((5, 3)), means, std)


# -- KID, precision and recall, inception score (lesson 07) ------------------------------------


def test_mmd_unbiased_matches_the_formula_written_as_loops():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)) + 0.5

    def k(a, b):
        return (np.dot(a, b) / 3 + 1) ** 3

    within_x = sum(k(x[i], x[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    within_y = sum(k(y[i], y[j]) for i in range(4) for j in range(4) if i != j) / (4 * 3)
    across = sum(k(a, b) for a in x for b in y) / (5 * 4)
    assert metrics.mmd_unbiased(x, y) == pytest.approx(within_x + within_y - 2 * across)


def test_kernel_distance_is_near_zero_for_one_distribution_and_large_for_two():
    rng = np.random.default_rng(1)
    same_a, same_b = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))
    shifted = rng.normal(size=(2000, 8)) + 0.5
    same_mean, same_std = metrics.kernel_distance(same_a, same_b, subset_size=500, subsets=20)
    shifted_mean, _ = metrics.kernel_distance(same_a, shifted, subset_size=500, subsets=20)
    assert abs(same_mean) < 3 * same_std / np.sqrt(20) + 1e-3  # unbiased: centred on 0
    assert shifted_mean > 50 * abs(same_mean) and shifted_mean > 0.05


def test_precision_recall_on_identical_disjoint_and_collapsed_sets():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(400, 2))
    assert metrics.precision_recall(real, real) == (1.0, 1.0)
    assert metrics.precision_recall(real, real + 100.0) == (0.0, 0.0)
    # Samples from one half of the real data: realistic (precision 1) but covering half of it.
    half = real[real[:, 0] > 0]
    precision, recall = metrics.precision_recall(real, half)
    assert precision == 1.0 and 0.4 < recall < 0.65


def test_precision_uses_the_kth_neighbour_radius():
    # Real points at 0, 1, 2, 3 on a line: with k = 1 every ball has radius 1, with k = 3 radius 2
    # or more. A sample at 4.5 is 1.5 from the nearest real point.
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    sample = np.full((4, 1), 4.5)
    assert metrics.precision_recall(real, sample, k=1)[0] == 0.0
    assert metrics.precision_recall(real, sample, k=3)[0] == 1.0
    with pytest.raises(ValueError, match="more than k = 3"):
        metrics.precision_recall(real, sample[:3], k=3)


def test_inception_score_runs_from_one_to_the_number_of_classes():
    confident_even = np.eye(10)[np.arange(1000) % 10]
    assert metrics.inception_score(confident_even) == pytest.approx(10.0, rel=1e-6)
    assert metrics.inception_score(np.eye(10)[np.zeros(1000, int)]) == pytest.approx(1.0)
    assert metrics.inception_score(np.full((1000, 10), 0.1)) == pytest.approx(1.0)
    two_classes = np.eye(10)[np.arange(1000) % 2]
    assert metrics.inception_score(two_classes) == pytest.approx(2.0, rel=1e-6)


def test_nearest_neighbour_distances_match_a_brute_force_search():
    rng = np.random.default_rng(3)
    points, reference = rng.normal(size=(30, 5)), rng.normal(size=(40, 5))
    brute_force = [min(np.linalg.norm(p - r) for r in reference) for p in points]
    got = metrics.nearest_neighbour_distances(points, reference, batch=7)  # several batches
    np.testing.assert_allclose(got, brute_force, rtol=1e-9)
    np.testing.assert_allclose(metrics.nearest_neighbour_distances(reference, reference), 0,
                               atol=1e-6)


def test_train_judge_reads_restyled_digits_the_default_judge_cannot(judge):
    # Two epochs on the brightness of red-on-cream digits read them; the white-on-black judge
    # mostly cannot, as the paper is the bright part there.
    (_, _), (b_train, b_labels) = data.unpaired_digit_domains("train", "bundled", verbose=False)
    (_, _), (b_test, b_test_labels) = data.unpaired_digit_domains("test", "bundled", verbose=False)
    restyled_judge = metrics.train_judge(data.luminance(b_train), b_labels, epochs=2)
    assert restyled_judge.accuracy(data.luminance(b_test), b_test_labels) > 0.85
    assert judge.accuracy(data.luminance(b_test), b_test_labels) < 0.5
