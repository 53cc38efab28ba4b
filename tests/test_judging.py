"""The judge (gan_utils.judging): its calibration, its class counts, classifiers trained like it."""

import keras
import numpy as np
import pytest
import scipy.ndimage
from conftest import import_from

from gan_utils import data, domains, judging

make_test_downloads = import_from("scripts", "make_test_downloads")


def test_gaussian_blur_matches_scipy_and_preserves_mass():
    rng = np.random.default_rng(1)
    images = np.zeros((2, 28, 28), dtype=np.float32)
    images[:, 8:20, 8:20] = rng.uniform(size=(2, 12, 12))
    blurred = judging.gaussian_blur(images, sigma=1.5)
    # scipy truncates at truncate·σ; ours at ceil(3σ) = 5 px: compare with the same radius.
    reference = scipy.ndimage.gaussian_filter(
        images, sigma=(0, 1.5, 1.5), mode="nearest", radius=(0, 5, 5)
    )
    np.testing.assert_allclose(blurred, reference, atol=1e-6)
    np.testing.assert_allclose(blurred.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=1e-5)


def test_gaussian_blur_keeps_a_dark_background_dark_in_unit_range():
    background = np.full((1, 28, 28), -1.0, dtype=np.float32)
    np.testing.assert_allclose(judging.gaussian_blur(background), background, atol=1e-6)


def test_class_histogram_and_coverage():
    labels = np.array([0] * 50 + [1] * 49 + [2])
    np.testing.assert_allclose(judging.class_histogram(labels)[:3], [0.5, 0.49, 0.01])
    assert judging.classes_covered(labels) == 2  # class 2 has 1 % < 2 %
    assert judging.classes_covered(labels, min_share=0.01) == 3
    assert judging.classes_covered(np.full(100, 7)) == 1


@pytest.fixture(scope="module")
def judge():
    return judging.load_judge(verbose=False)


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


def test_evaluate_reads_features_and_classes_in_one_pass_with_the_separate_results(
        judge, held_out):
    images, labels = held_out
    mixed = np.concatenate([images[labels == 3], images[labels != 3][:300]])  # not all ten alike
    report = judge.evaluate(mixed)
    assert report["judge_fd"] == pytest.approx(judge.fd_to_held_out(mixed), abs=1e-3)
    np.testing.assert_allclose(report["class_histogram"],
                               judging.class_histogram(judge.predict(mixed)), atol=1e-4)
    assert report["judge_fd"] > 1.0  # a skewed set: a distance the comparison can see


def test_judge_is_cached_on_disk_and_reloaded(judge, held_out, tmp_path, capsys):
    images, _ = held_out
    path = tmp_path / "judge.weights.h5"
    judge.classifier.save_weights(path)
    reloaded = judging.load_judge(cache_path=path)
    assert "loaded from cache" in capsys.readouterr().out
    np.testing.assert_allclose(reloaded.logits(images[:50]), judge.logits(images[:50]), atol=1e-5)


def test_judge_and_its_reference_read_the_bundled_digits_whatever_the_lessons_read(
        judge, monkeypatch, tmp_path, capsys):
    """One judge and one reference for every source, so that figures of lessons trained on
    full MNIST and on the bundled digits lie on one scale: nothing of the judge is per source."""
    monkeypatch.setattr(data, "_CACHE", {})
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    make_test_downloads.write_mnist_file()
    data.load_mnist("train", source="auto")
    assert "full keras.datasets.mnist" in capsys.readouterr().out  # what the lesson trains on

    sources_read = []
    load_mnist = data.load_mnist

    def recording_load_mnist(split="train", source="auto", verbose=True):
        sources_read.append(source)
        return load_mnist(split, source, verbose)

    def fake_training(images, labels, verbose):
        assert len(labels) == len(load_mnist("train", source="bundled", verbose=False)[1])
        return judge.classifier

    monkeypatch.setattr(data, "load_mnist", recording_load_mnist)
    monkeypatch.setattr(judging, "_train_classifier", fake_training)
    cache = tmp_path / "judge" / "judge.weights.h5"
    new_judge = judging.load_judge(cache_path=cache)  # trains (fake) and caches
    report = new_judge.evaluate(load_mnist("test", source="keras", verbose=False)[0][:500])
    assert cache.exists() and report["judge_fd_blurred"] > report["judge_fd_real"]
    assert sources_read and set(sources_read) == {"bundled"}, sources_read


def test_classification_accuracy_score_needs_labels_that_match_the_images():
    images, labels = data.load_mnist("train", source="bundled", verbose=False)
    matching = judging.classification_accuracy_score(images, labels, epochs=1)
    shuffled_labels = np.random.default_rng(0).permutation(labels)
    shuffled = judging.classification_accuracy_score(images, shuffled_labels, epochs=1)
    assert matching > 0.9
    assert shuffled < 0.25  # chance is 0.10


def test_train_judge_reads_restyled_digits_the_default_judge_cannot(judge):
    # Two epochs on the brightness of red-on-cream digits read them; the white-on-black judge
    # mostly cannot, as the paper is the bright part there.
    (_, _), (b_train, b_labels) = domains.unpaired_digit_domains("train", "bundled", verbose=False)
    (_, _), (b_test, b_test_labels) = domains.unpaired_digit_domains(
        "test", "bundled", verbose=False
    )
    restyled_judge = judging.train_judge(domains.luminance(b_train), b_labels, epochs=2)
    assert restyled_judge.accuracy(domains.luminance(b_test), b_test_labels) > 0.85
    assert judge.accuracy(domains.luminance(b_test), b_test_labels) < 0.5


def test_classifiers_train_on_at_most_max_training_digits_of_every_kind(monkeypatch):
    # Full MNIST's 60,000 digits would cost minutes per classifier on a laptop CPU. A set sorted
    # by class (or by style, as solutions 09's plain-then-restyled digits) keeps every kind.
    seen = []
    monkeypatch.setattr(keras.Sequential, "fit", lambda self, x, y, **_: seen.append((x, y)))
    many = judging.MAX_TRAINING_DIGITS + 500
    labels = np.repeat(np.arange(10), many // 10)  # sorted by class
    images = np.zeros((many, 28, 28), np.uint8)
    images[:, 0, 0] = labels  # each image carries its label, to check that pairs stay together
    judging.train_judge(images, labels, epochs=1)
    judging.train_judge(images[:100], labels[:100], epochs=1)
    (x_capped, y_capped), (x_small, y_small) = seen
    assert len(x_capped) == len(y_capped) == judging.MAX_TRAINING_DIGITS
    assert (np.bincount(y_capped, minlength=10) > 800).all()  # every class kept (~1,000 each)
    np.testing.assert_array_equal(np.round((x_capped[:, 0, 0, 0] + 1) * 127.5), y_capped)
    assert len(x_small) == 100  # at or under the cap: all of them, in order
    np.testing.assert_array_equal(y_small, labels[:100])


def test_classification_accuracy_score_tests_on_the_held_out_split_of_the_source_given(
        monkeypatch):
    # On full MNIST the bundled test digits are among the training digits: CAS must be able to
    # test on the held-out split of the source the real training digits came from.
    splits_read = []
    real_load_mnist = data.load_mnist

    def load_mnist(split, source="auto", verbose=True):
        splits_read.append((split, source))
        return real_load_mnist(split, source="bundled", verbose=False)

    class ConstantClassifier:
        def accuracy(self, images, labels):
            return 0.5

    monkeypatch.setattr(judging.data, "load_mnist", load_mnist)
    monkeypatch.setattr(judging, "train_judge", lambda *args, **kwargs: ConstantClassifier())
    images, labels = np.zeros((4, 28, 28), "uint8"), np.arange(4)
    judging.classification_accuracy_score(images, labels, source="keras")
    judging.classification_accuracy_score(images, labels)
    assert splits_read == [("test", "keras"), ("test", "bundled")]
