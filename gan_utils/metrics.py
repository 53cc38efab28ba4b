"""Formulas that compare sets of samples, on features or points (numpy only).

The Fréchet distance between two Gaussians fitted to feature sets (`feature_statistics`,
`frechet_distance`; introduced in lesson 01, where the judge of `gan_utils.judging` supplies the
features), the distance to the nearest training sample (`nearest_neighbour_distances`; lessons
02 and 07), and the sample-quality figures of lesson 07: KID's unbiased MMD (`mmd_unbiased`,
`kernel_distance`), improved precision and recall (`precision_recall`) and the inception score
(`inception_score`); and lesson 09's accuracy of an unsupervised code after the best one-to-one
matching of its values to classes (`matched_accuracy`); lesson 10's measures of a
discriminator that memorises its training data (`overfitting_heuristic`, `overfitting_gap`).
None of them knows about digits or
networks: they take arrays.
"""

import numpy as np

__all__ = [
    "feature_statistics",
    "frechet_distance",
    "inception_score",
    "kernel_distance",
    "matched_accuracy",
    "mmd_unbiased",
    "nearest_neighbour_distances",
    "nearest_neighbours",
    "overfitting_gap",
    "overfitting_heuristic",
    "precision_recall",
]


# -- The Fréchet distance (introduced in lesson 01) --------------------------------------------


def feature_statistics(features):
    """Mean μ and covariance Σ of a (N, d) feature matrix."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"expected features of shape (N >= 2, d), got {features.shape}.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix, by eigendecomposition."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ eigenvectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2).

    d² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)

    Tr((Σ1 Σ2)^½) equals Tr((Σ1^½ Σ2 Σ1^½)^½), whose argument is symmetric PSD, so plain
    eigenvalues give it without a complex matrix square root.
    """
    sqrt_sigma1 = _sqrt_psd(sigma1)
    middle = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    mean_term = np.sum((np.asarray(mu1) - np.asarray(mu2)) ** 2)
    return float(mean_term + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt)


# -- Sample-quality metrics beyond the FD (introduced in lesson 07) ----------------------------


def _cubic_kernel(a, b):
    """k(x, y) = (x·y / d + 1)³, the polynomial kernel of KID (Bińkowski et al. 2018)."""
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def mmd_unbiased(x, y):
    """The unbiased estimate of MMD² between feature sets x (m, d) and y (n, d), cubic kernel.

    MMD²_u = Σ_{i≠j} k(x_i, x_j) / m(m−1) + Σ_{i≠j} k(y_i, y_j) / n(n−1)
             − 2 Σ_{i,j} k(x_i, y_j) / mn
    Its expectation is 0 when x and y come from one distribution, so it can be slightly negative.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    m, n = len(x), len(y)
    k_xx, k_yy, k_xy = _cubic_kernel(x, x), _cubic_kernel(y, y), _cubic_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


def kernel_distance(x, y, subset_size=1000, subsets=10, seed=0):
    """KID's formula in a feature space: mean and standard deviation of `mmd_unbiased` over
    random subsets of `subset_size` features from each set (drawn without replacement)."""
    rng = np.random.default_rng(seed)
    size = min(subset_size, len(x), len(y))
    values = [
        mmd_unbiased(
            x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)]
        )
        for _ in range(subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def _kth_neighbour_radii(points, k, batch=1000):
    """Distance from each point to its k-th nearest other point of the same set."""
    radii = []
    for start in range(0, len(points), batch):
        distances = _pairwise_distances(points[start : start + batch], points)
        radii.append(np.sort(distances, axis=1)[:, k])  # column 0 is the point itself
    return np.concatenate(radii)


def _pairwise_distances(a, b):
    # ‖a − b‖² = ‖a‖² − 2 a·b + ‖b‖²
    squared = np.sum(a**2, axis=1)[:, None] - 2 * a @ b.T + np.sum(b**2, axis=1)[None, :]
    return np.sqrt(np.maximum(squared, 0.0))


def nearest_neighbours(points, reference, batch=1000):
    """For each row of `points` (N, d): the Euclidean distance to its nearest row of
    `reference`, and that row's index. Flatten images to (N, pixels) first.

    Lesson 02 shows the nearest training digits of its samples; a generator that copies its
    training set has distance 0 to it, new samples have distances like held-out data's.
    """
    points = np.asarray(points, np.float64)
    reference = np.asarray(reference, np.float64)
    distances, indices = [], []
    for start in range(0, len(points), batch):
        pairwise = _pairwise_distances(points[start : start + batch], reference)
        indices.append(pairwise.argmin(axis=1))
        distances.append(pairwise.min(axis=1))
    return np.concatenate(distances), np.concatenate(indices)


def nearest_neighbour_distances(points, reference, batch=1000):
    """For each row of `points` (N, d), the Euclidean distance to its nearest row of `reference`
    (lessons 02 and 07)."""
    return nearest_neighbours(points, reference, batch)[0]


def _share_inside_balls(points, centres, radii, batch=1000):
    """The share of `points` inside at least one ball (centre, radius)."""
    inside = []
    for start in range(0, len(points), batch):
        distances = _pairwise_distances(points[start : start + batch], centres)
        inside.append(np.any(distances <= radii[None, :], axis=1))
    return float(np.mean(np.concatenate(inside)))


def precision_recall(real_features, generated_features, k=3):
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-nearest-neighbour balls.

    Each real feature gets a ball reaching its k-th nearest real neighbour: precision is the share
    of generated features inside some real ball (are the samples realistic?). Recall swaps the
    roles (is every part of the real data produced?).
    """
    real = np.asarray(real_features, np.float64)
    generated = np.asarray(generated_features, np.float64)
    if min(len(real), len(generated)) <= k:
        raise ValueError(f"each set needs more than k = {k} features for k-nearest-neighbour balls")
    precision = _share_inside_balls(generated, real, _kth_neighbour_radii(real, k))
    recall = _share_inside_balls(real, generated, _kth_neighbour_radii(generated, k))
    return precision, recall


def inception_score(class_probabilities, eps=1e-12):
    """exp(E_x KL(p(y|x) ‖ p(y))) for rows of class probabilities (Salimans et al. 2016).

    It is between 1 and the number of classes: high when each sample is confidently one class
    and the classes are used evenly. Here the judge plays Inception's part.
    """
    p_y_given_x = np.asarray(class_probabilities, np.float64)
    p_y = p_y_given_x.mean(axis=0)
    kl = np.sum(p_y_given_x * (np.log(p_y_given_x + eps) - np.log(p_y + eps)), axis=1)
    return float(np.exp(kl.mean()))


# -- An unsupervised code against classes (lesson 09) -------------------------------------------


def matched_accuracy(codes, classes, num_codes, num_classes):
    """Accuracy of `codes` as a classifier of `classes` under the best one-to-one matching.

    An unsupervised code numbers its clusters arbitrarily: code 3 may mean the digit 7. Count
    the pairs in a confusion matrix C[code, class] and choose the assignment of codes to
    classes that maximises the matched counts (the Hungarian algorithm, SciPy's
    `linear_sum_assignment`); accuracy = matched counts / all. Needs num_codes ≤ num_classes.

    Returns (accuracy, class_of_code, confusion): class_of_code[k] is the class matched to
    code k, and confusion[k, c] counts the samples of code k read as class c.
    """
    from scipy.optimize import linear_sum_assignment  # SciPy only where it is needed

    if num_codes > num_classes:
        raise ValueError(f"{num_codes} codes cannot match {num_classes} classes one to one")
    confusion = np.zeros((num_codes, num_classes), dtype=np.int64)
    np.add.at(confusion, (np.asarray(codes), np.asarray(classes)), 1)
    code_index, class_index = linear_sum_assignment(confusion, maximize=True)
    class_of_code = class_index[np.argsort(code_index)]
    accuracy = confusion[code_index, class_index].sum() / confusion.sum()
    return float(accuracy), class_of_code, confusion


# -- A discriminator that memorises its training set (lesson 10) -----------------------------


# r_t = E[sign(D(x_train))]
def overfitting_heuristic(train_logits):
    """ADA's r_t (Karras et al. 2020): 0 when D cannot tell its training images from fakes
    better than by chance on the real side, 1 when it calls every training image real.

    ADA raises its augmentation while r_t stays above a target of 0.6.
    """
    return float(np.mean(np.sign(np.asarray(train_logits, dtype=np.float64))))


# gap = E[D(x_train)] − E[D(x_held_out)]
def overfitting_gap(train_logits, held_out_logits):
    """How much more real D finds the images it trains on than real images it never saw.

    A D that learned what digits look like scores both alike (gap ≈ 0); one that memorised
    its training images scores them higher.
    """
    train_mean = np.mean(train_logits, dtype=np.float64)
    return float(train_mean - np.mean(held_out_logits, dtype=np.float64))
