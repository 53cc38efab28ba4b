"""The formulas of gan_utils.metrics: Fréchet distance, KID, precision and recall, and more."""

import numpy as np
import pytest
import scipy.linalg

from gan_utils import metrics


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


def test_nearest_neighbours_give_the_index_of_the_brute_force_nearest_row():
    rng = np.random.default_rng(4)
    points, reference = rng.normal(size=(25, 3)), rng.normal(size=(60, 3))
    brute_force = [int(np.argmin([np.linalg.norm(p - r) for r in reference])) for p in points]
    distances, indices = metrics.nearest_neighbours(points, reference, batch=6)
    np.testing.assert_array_equal(indices, brute_force)
    np.testing.assert_allclose(distances, np.linalg.norm(points - reference[indices], axis=1),
                               rtol=1e-9)


# -- matched_accuracy (lesson 09) ---------------------------------------------------------------


def test_matched_accuracy_undoes_a_permutation_of_the_codes():
    rng = np.random.default_rng(0)
    classes = rng.integers(0, 10, size=2000)
    permutation = rng.permutation(10)
    codes = permutation[classes]  # code permutation[c] always means class c
    accuracy, class_of_code, confusion = metrics.matched_accuracy(codes, classes, 10, 10)
    assert accuracy == 1.0
    np.testing.assert_array_equal(class_of_code[permutation], np.arange(10))
    assert confusion[np.arange(10), class_of_code].sum() == 2000  # every sample on its match


def test_matched_accuracy_counts_errors_and_is_near_chance_for_unrelated_codes():
    classes = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    codes = np.array([2, 2, 1, 0, 0, 0, 1, 1])  # code 2 → class 0, 0 → 1, 1 → 2: one error
    accuracy, class_of_code, confusion = metrics.matched_accuracy(codes, classes, 3, 3)
    assert accuracy == pytest.approx(7 / 8)
    np.testing.assert_array_equal(class_of_code, [1, 2, 0])
    np.testing.assert_array_equal(confusion, [[0, 3, 0], [1, 0, 2], [2, 0, 0]])  # [code, class]
    rng = np.random.default_rng(1)
    chance, _, _ = metrics.matched_accuracy(rng.integers(0, 10, 20_000),
                                            rng.integers(0, 10, 20_000), 10, 10)
    assert 0.1 < chance < 0.12  # the best matching of noise beats 1/10 only slightly


def test_matched_accuracy_refuses_more_codes_than_classes():
    with pytest.raises(ValueError, match="one to one"):
        metrics.matched_accuracy([0, 11], [0, 1], 12, 10)


def test_overfitting_heuristic_is_the_mean_sign_of_the_training_logits():
    assert metrics.overfitting_heuristic([2.0, 0.5, -1.0, 3.0]) == 0.5  # (1 + 1 − 1 + 1) / 4
    assert metrics.overfitting_heuristic([-4.0, -0.1]) == -1.0


def test_overfitting_gap_is_the_difference_of_mean_logits():
    assert metrics.overfitting_gap([3.0, 1.0], [0.5, -0.5]) == 2.0
    assert metrics.overfitting_gap([1.0, 2.0], [2.0, 1.0]) == 0.0
