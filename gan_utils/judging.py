"""The judge: a small digit classifier that measures generated digits (introduced in lesson 01).

The judge is a small CNN trained once on the bundled offline digits and cached on disk. Its
penultimate layer is the feature space in which we compute the Fréchet distance between
generated and held-out real digits (FID's formula, from `gan_utils.metrics`, with a digit
classifier in place of Inception: our numbers are not comparable with published Inception-FIDs).
Two calibration points from the same judge put every figure on one scale:

* `judge_fd_real`: held-out digits against training digits, what a perfect generator scores;
* `judge_fd_blurred`: held-out digits blurred with a Gaussian of σ = 1.5 px, a visibly poor one.

Quality bars read as `judge_fd / judge_fd_blurred`. "Held-out" means held out from the judge:
the bundled test split, in every profile, so that all figures share one scale. On full MNIST
those 2,004 digits are also among the GAN's 60,000 training digits (the bundled subset is
MNIST's first 10,000 training digits). The judge also counts the classes it sees
(`class_histogram`, `classes_covered`). The same recipe trains other classifiers: the
classification accuracy score of lesson 03 (`classification_accuracy_score`) and lesson 05's
judge of restyled digits (`train_judge`).
"""

import hashlib
import os
from importlib import resources
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_utils import data, paths
from gan_utils.metrics import feature_statistics, frechet_distance

__all__ = [
    "NUM_CLASSES",
    "Judge",
    "MAX_TRAINING_DIGITS",
    "class_histogram",
    "classes_covered",
    "classification_accuracy_score",
    "gaussian_blur",
    "load_judge",
    "train_judge",
]

NUM_CLASSES = 10
BLUR_SIGMA = 1.5
# Classifiers trained here (the judge, CAS, lesson 05's judge) see at most this many digits:
# all of the bundled subset, and a sixth of full MNIST, whose 60,000 would add minutes on a
# laptop CPU to every lesson that trains one. A larger set is subsampled at random (seeded), as
# its order may be sorted by class or by style.
MAX_TRAINING_DIGITS = 10_000
# Bump when the judge's architecture or training changes: old caches are then ignored.
JUDGE_VERSION = 2


# -- Calibration and class counts --------------------------------------------------------------


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


def _at_most(max_count, images, labels):
    """`images` and `labels` themselves, or `max_count` of them drawn at random (seeded)."""
    if len(images) <= max_count:
        return images, labels
    kept = np.sort(np.random.default_rng(0).choice(len(images), max_count, replace=False))
    return images[kept], labels[kept]


def _train_classifier(x_train, y_train, epochs=8, verbose=True):
    x_train, y_train = _at_most(MAX_TRAINING_DIGITS, x_train, y_train)
    keras.utils.set_random_seed(0)
    classifier = _build_classifier()
    augment = _augmenter()
    trainer = keras.Sequential([keras.Input((28, 28, 1)), augment, classifier])
    trainer.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    if verbose:  # one line instead of a progress bar per epoch
        print(f"  training for {epochs} epochs on {len(x_train):,} digits ...", flush=True)
    trainer.fit(x_train, y_train, batch_size=64, epochs=epochs, verbose=0)
    return classifier


def _bundled_digest():
    path = resources.files("gan_utils") / "datasets" / "mnist_10k.npz"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _default_cache_path():
    cache_dir = os.environ.get("GAN_JUDGE_CACHE") or paths.artifacts_dir() / "judge"
    return Path(cache_dir) / f"judge_v{JUDGE_VERSION}_{_bundled_digest()}.weights.h5"


class Judge:
    """A trained digit classifier and the measurements built on it.

    Images may be uint8 in [0, 255] or floats in [-1, 1], shaped (N, 28, 28) or (N, 28, 28, 1).
    """

    def __init__(self, classifier, batch_size=1000):
        self.classifier = classifier
        features = classifier.get_layer("features").output
        self.feature_extractor = keras.Model(classifier.inputs, features)
        # evaluate() needs both: one pass through the network instead of two.
        self.features_and_logits = keras.Model(
            classifier.inputs, [features, classifier.output], name="features_and_logits"
        )
        self.batch_size = batch_size
        self._compiled = {}
        self._reference_stats = None
        self._calibration = None

    def logits(self, images):
        return self._in_batches(self.classifier, images)

    def predict(self, images):
        """The judge's class for each image."""
        return np.argmax(self.logits(images), axis=1)

    def accuracy(self, images, labels):
        return float(np.mean(self.predict(images) == np.asarray(labels)))

    def features(self, images):
        return self._in_batches(self.feature_extractor, images)

    def _in_batches(self, network, images):
        """network(x) in inference mode, batch by batch, through one compiled function per
        network traced once for any batch size (`predict` would retrace, and warn, as the
        lessons call it on many sample sets and judges). A tuple of arrays for a network with
        several outputs."""
        if network.name not in self._compiled:
            signature = [tf.TensorSpec((None, 28, 28, 1), tf.float32)]
            self._compiled[network.name] = tf.function(
                lambda x: network(x, training=False), input_signature=signature
            )
        forward = self._compiled[network.name]
        x = data.to_unit_range(images)
        batches = [forward(x[start : start + self.batch_size])
                   for start in range(0, len(x), self.batch_size)]
        if isinstance(batches[0], (list, tuple)):  # a network with several outputs
            return tuple(np.concatenate([batch[k].numpy() for batch in batches])
                         for k in range(len(batches[0])))
        return np.concatenate([batch.numpy() for batch in batches])

    def fd_to_held_out(self, images):
        """Fréchet distance between `images` and the held-out bundled digits, in feature space."""
        return self._fd_of_features_to_held_out(self.features(images))

    def _fd_of_features_to_held_out(self, features):
        if self._reference_stats is None:
            x_test, _ = data.load_mnist("test", source="bundled", verbose=False)
            self._reference_stats = feature_statistics(self.features(x_test))
        return frechet_distance(*feature_statistics(features), *self._reference_stats)

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
        features, logits = self._in_batches(self.features_and_logits, samples)
        judge_fd = self._fd_of_features_to_held_out(features)
        predicted = np.argmax(logits, axis=1)
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
        # Write then rename: a half-written cache is never picked up, and two processes
        # training at once each write their own file.
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial.weights.h5")
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
    """A judge trained like the default one, on other labelled digits (not cached): on
    `MAX_TRAINING_DIGITS` of them, drawn at random, when there are more.

    Lesson 05 trains one on its restyled domain B to read the class of digits translated there.
    The augmentation reflects the image into uncovered borders (Keras' default fill), so white
    paper stays white. Resets Keras' global seed, as the default judge's training does.
    """
    classifier = _train_classifier(
        data.to_unit_range(images), np.asarray(labels), epochs=epochs, verbose=verbose
    )
    return Judge(classifier)


# -- Classification accuracy score (introduced in lesson 03) -----------------------------------


def classification_accuracy_score(images, labels, epochs=8, verbose=False, source="bundled"):
    """Accuracy on held-out real digits of a fresh classifier trained on `images` alone
    (`MAX_TRAINING_DIGITS` of them, drawn at random, when there are more).

    The held-out digits are the test split of `source` (as in `data.load_mnist`): pass the
    source of the real training digits, so that neither the GAN nor the real-trained reference
    classifier has seen them (full MNIST's training digits include the whole bundled subset).

    CAS (Ravuri and Vinyals 2019): trained on generated digits labelled with the class they
    were asked for, it shows how much of each class a conditional generator captured. Trained
    on real digits with the same recipe (the judge's: architecture, augmentation, epochs), it is
    the reference to compare with. Resets Keras' global seed, as the judge's training does.
    """
    x_test, y_test = data.load_mnist("test", source=source, verbose=False)
    return train_judge(images, labels, epochs=epochs, verbose=verbose).accuracy(x_test, y_test)
