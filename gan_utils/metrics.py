"""Measuring generated digits with a small judge classifier (introduced in lesson 01).

The judge is a small CNN trained once on the bundled offline digits and cached on disk. Its
penultimate layer is the feature space in which we compute the Fréchet distance between
generated and held-out real digits (FID's formula, with a digit classifier in place of
Inception: our numbers are not comparable with published Inception-FIDs). Two calibration points
from the same judge put every figure on one scale:

* `judge_fd_real`: held-out digits against training digits, what a perfect generator scores;
* `judge_fd_blurred`: held-out digits blurred with a Gaussian of σ = 1.5 px, a visibly poor one.

Quality bars read as `judge_fd / judge_fd_blurred`.
"""

import hashlib
import os
from importlib import resources
from pathlib import Path

import keras
import numpy as np

from gan_utils import data, paths

__all__ = [
    "NUM_CLASSES",
    "Judge",
    "class_histogram",
    "classes_covered",
    "classification_accuracy_score",
    "feature_statistics",
    "frechet_distance",
    "gaussian_blur",
    "inception_score",
    "kernel_distance",
    "load_judge",
    "mmd_unbiased",
    "mode_statistics",
    "nearest_neighbour_distances",
    "precision_recall",
    "train_judge",
]

NUM_CLASSES = 10
BLUR_SIGMA = 1.5
# Bump when the judge's architecture or training changes: old caches are then ignored.
JUDGE_VERSION = 2


# -- Formulas ----------------------------------------------------------------------------------


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


def gaussian_blur(images, sigma=BLUR_SIGMA):
    """Blur (N, H, W[, C]) images with a Gaussian of std `sigma` px.

    The kernel is separable: one 1-D pass along the rows, one along the columns, truncated at
    3σ and normalized to sum 1. Beyond the border the edge pixels repeat, so the background
    stays the background whatever the value range (−1 in [−1, 1], 0 in [0, 255]).
    Returns float32.
    """
    radius = int(np.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    blurred = np.asarray(images, dtype=np.float32)
    for axis in (1, 2):
        size = blurred.shape[axis]
        pad = [(0, 0)] * blurred.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(blurred, pad, mode="edge")
        # A weighted sum of shifted copies is the convolution along `axis`.
        blurred = sum(
            weight * np.take(padded, np.arange(shift, shift + size), axis=axis)
            for shift, weight in enumerate(kernel)
        )
    return blurred.astype(np.float32)


def class_histogram(predicted_labels, num_classes=NUM_CLASSES):
    """Share of samples assigned to each class; sums to 1."""
    counts = np.bincount(np.asarray(predicted_labels, dtype=np.int64), minlength=num_classes)
    return counts / max(counts.sum(), 1)


def classes_covered(predicted_labels, min_share=0.02, num_classes=NUM_CLASSES):
    """How many classes receive at least `min_share` of the samples."""
    return int(np.sum(class_histogram(predicted_labels, num_classes) >= min_share))


# -- The judge ---------------------------------------------------------------------------------


def _build_classifier():
    """A small CNN; the 128-unit layer named "features" is the judge's feature space."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(128, activation="relu", name="features")(x)
    x = keras.layers.Dropout(0.3)(features)
    logits = keras.layers.Dense(NUM_CLASSES, name="logits")(x)
    return keras.Model(inputs, logits, name="judge")


def _augmenter():
    # Small shifts and rotations: 8,000 digits alone leave a CNN short of 98 %. Uncovered
    # borders are filled by reflection (Keras' default), whatever the paper's colour.
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(0.08, 0.08, seed=1),
            keras.layers.RandomRotation(0.03, seed=2),
        ]
    )


def _train_classifier(x_train, y_train, epochs=8, verbose=True):
    keras.utils.set_random_seed(0)
    classifier = _build_classifier()
    augment = _augmenter()
    trainer = keras.Sequential([keras.Input((28, 28, 1)), augment, classifier])
    trainer.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    trainer.fit(x_train, y_train, batch_size=64, epochs=epochs, verbose=1 if verbose else 0)
    return classifier


def _bundled_digest():
    path = resources.files("gan_utils") / "datasets" / "mnist_10k.npz"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _default_cache_path():
    cache_dir = os.environ.get("GAN_JUDGE_CACHE") or paths.artifacts_dir("judge")
    return Path(cache_dir) / f"judge_v{JUDGE_VERSION}_{_bundled_digest()}.weights.h5"


class Judge:
    """A trained digit classifier and the measurements built on it.

    Images may be uint8 in [0, 255] or floats in [-1, 1], shaped (N, 28, 28) or (N, 28, 28, 1).
    """

    def __init__(self, classifier, batch_size=1000):
        self.classifier = classifier
        self.feature_extractor = keras.Model(
            classifier.inputs, classifier.get_layer("features").output
        )
        self.batch_size = batch_size
        self._reference_stats = None
        self._calibration = None

    def logits(self, images):
        x = data.to_unit_range(images)
        return self.classifier.predict(x, batch_size=self.batch_size, verbose=0)

    def predict(self, images):
        """The judge's class for each image."""
        return np.argmax(self.logits(images), axis=1)

    def accuracy(self, images, labels):
        return float(np.mean(self.predict(images) == np.asarray(labels)))

    def features(self, images):
        x = data.to_unit_range(images)
        return self.feature_extractor.predict(x, batch_size=self.batch_size, verbose=0)

    def fd_to_held_out(self, images):
        """Fréchet distance between `images` and the held-out bundled digits, in feature space."""
        if self._reference_stats is None:
            x_test, _ = data.load_mnist("test", source="bundled", verbose=False)
            self._reference_stats = feature_statistics(self.features(x_test))
        return frechet_distance(*feature_statistics(self.features(images)), *self._reference_stats)

    def calibration(self):
        """judge_fd_real and judge_fd_blurred on the bundled digits (computed once)."""
        if self._calibration is None:
            x_train, _ = data.load_mnist("train", source="bundled", verbose=False)
            x_test, _ = data.load_mnist("test", source="bundled", verbose=False)
            blurred = gaussian_blur(data.to_unit_range(x_test), BLUR_SIGMA)
            self._calibration = {
                "judge_fd_real": self.fd_to_held_out(x_train),
                "judge_fd_blurred": self.fd_to_held_out(blurred),
            }
        return dict(self._calibration)

    def evaluate(self, samples):
        """Every judge figure for a set of generated digits, as a flat dict.

        judge_fd (against the held-out digits), the two calibration points, their ratio,
        classes_covered (classes with at least 2 % of the samples) and the class histogram.
        """
        calibration = self.calibration()
        judge_fd = self.fd_to_held_out(samples)
        predicted = self.predict(samples)
        return {
            "judge_fd": round(judge_fd, 4),
            **{key: round(value, 4) for key, value in calibration.items()},
            "fd_ratio_to_blurred": round(judge_fd / calibration["judge_fd_blurred"], 4),
            "classes_covered": classes_covered(predicted, min_share=0.02),
            "class_histogram": [round(float(share), 4) for share in class_histogram(predicted)],
        }


_judge = None


def load_judge(cache_path=None, verbose=True):
    """The judge, trained on the bundled digits on first use and cached on disk after.

    The cache lives in `artifacts/judge/` (or `$GAN_JUDGE_CACHE`), keyed by the judge's version
    and the bundled data's digest, so a stale file is never reused.
    """
    global _judge
    if _judge is not None and cache_path is None:
        return _judge
    path = Path(cache_path or _default_cache_path())
    classifier = _build_classifier()
    if path.exists():
        classifier.load_weights(path)
        if verbose:
            print(f"Judge: loaded from cache {path.name}")
    else:
        if verbose:
            print("Judge: training on the bundled digits (once; about a minute on 2 cores)")
        x_train, y_train = data.load_mnist("train", source="bundled", verbose=False)
        classifier = _train_classifier(data.to_unit_range(x_train), y_train, verbose=verbose)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a half-written cache is never picked up.
        partial = path.with_name(path.name + ".partial.weights.h5")
        classifier.save_weights(partial)
        partial.replace(path)
    judge = Judge(classifier)
    if verbose:
        x_test, y_test = data.load_mnist("test", source="bundled", verbose=False)
        print(f"Judge: held-out accuracy {judge.accuracy(x_test, y_test):.2%}")
    if cache_path is None:
        _judge = judge
    return judge


def train_judge(images, labels, epochs=8, verbose=False):
    """A judge trained like the default one, on other labelled digits (not cached).

    Lesson 05 trains one on its restyled domain B to read the class of digits translated there.
    The augmentation reflects the image into uncovered borders (Keras' default fill), so white
    paper stays white. Resets Keras' global seed, as the default judge's training does.
    """
    classifier = _train_classifier(
        data.to_unit_range(images), np.asarray(labels), epochs=epochs, verbose=verbose
    )
    return Judge(classifier)


# -- Classification accuracy score (introduced in lesson 03) -----------------------------------


def classification_accuracy_score(images, labels, epochs=8, verbose=False):
    """Accuracy on the held-out real digits of a fresh classifier trained on `images` alone.

    CAS (Ravuri and Vinyals 2019): trained on generated digits labelled with the class they
    were asked for, it shows how much of each class a conditional generator captured. Trained
    on real digits with the same recipe (the judge's: architecture, augmentation, epochs), it is
    the reference to compare with. Resets Keras' global seed, as the judge's training does.
    """
    x_test, y_test = data.load_mnist("test", source="bundled", verbose=False)
    return train_judge(images, labels, epochs=epochs, verbose=verbose).accuracy(x_test, y_test)


# -- Modes of a 2-D mixture (introduced in lesson 06) -----------------------------------------


def mode_statistics(samples, means, std, quality_radius_in_std=3.0):
    """The VEEGAN / PacGAN figures of samples from a generator of a 2-D Gaussian mixture.

    Every sample is assigned to its nearest mean. It is *high quality* when it lies within
    `quality_radius_in_std` standard deviations of that mean; a mode is *captured* when at least
    one high-quality sample is nearest to it. The papers use 2,500 samples.

    Returns:
        modes: how many modes are captured;
        hq_percent: the share of high-quality samples, in percent;
        reverse_kl: KL(p ‖ uniform) of p, the histogram of nearest means over all samples
            (finite when modes are missed, as a missed mode has p = 0).
    """
    samples = np.asarray(samples, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"expected samples of shape (N, {means.shape[1]}), got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - means[None, :, :], axis=-1)  # (N, K)
    nearest = np.argmin(distances, axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= quality_radius_in_std * std
    histogram = np.bincount(nearest, minlength=len(means)) / len(samples)
    present = histogram > 0  # 0 log 0 = 0
    # KL(p ‖ u) = Σ_k p_k log(p_k / (1/K))
    reverse_kl = np.sum(histogram[present] * np.log(histogram[present] * len(means)))
    return {
        "modes": int(len(np.unique(nearest[high_quality]))),
        "hq_percent": float(100 * np.mean(high_quality)),
        "reverse_kl": float(reverse_kl),
    }


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


def nearest_neighbour_distances(points, reference, batch=1000):
    """For each row of `points` (N, d), the Euclidean distance to its nearest row of `reference`.

    Flatten images to (N, pixels) first. A generator that copies its training set has distance
    0 to it; new samples have distances like those of held-out data (lessons 02 and 07).
    """
    points = np.asarray(points, np.float64)
    reference = np.asarray(reference, np.float64)
    return np.concatenate(
        [
            _pairwise_distances(points[start : start + batch], reference).min(axis=1)
            for start in range(0, len(points), batch)
        ]
    )


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
