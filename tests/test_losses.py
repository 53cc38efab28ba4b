"""Each adversarial loss against its formula, on logits a with D = σ(a)."""

import numpy as np
import pytest
import tensorflow as tf

from gan_utils import losses

REAL_LOGITS = np.array([[2.0], [-0.5], [4.0]], dtype=np.float32)
FAKE_LOGITS = np.array([[-3.0], [0.0], [1.5]], dtype=np.float32)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_discriminator_loss_is_the_cross_entropy_of_real_1_and_fake_0():
    expected = -np.mean(np.log(sigmoid(REAL_LOGITS))) - np.mean(np.log(1 - sigmoid(FAKE_LOGITS)))
    got = losses.discriminator_loss(REAL_LOGITS, FAKE_LOGITS)
    assert float(got) == pytest.approx(expected, rel=1e-5)


def test_generator_losses_match_their_formulas():
    d_fake = sigmoid(FAKE_LOGITS)
    assert float(losses.generator_loss(FAKE_LOGITS)) == pytest.approx(
        -np.mean(np.log(d_fake)), rel=1e-5
    )
    assert float(losses.minimax_generator_loss(FAKE_LOGITS)) == pytest.approx(
        np.mean(np.log(1 - d_fake)), rel=1e-5
    )


def test_losses_stay_finite_for_confident_logits():
    # From logits, log σ(a) never takes log(0), even where σ(a) rounds to 0 or 1 in float32.
    extreme = np.array([[-200.0], [200.0]], dtype=np.float32)
    for value in (
        losses.discriminator_loss(extreme, extreme),
        losses.generator_loss(extreme),
        losses.minimax_generator_loss(extreme),
    ):
        assert np.isfinite(float(value))


def per_sample_gradient(loss_fn, logits):
    logits = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = loss_fn(logits) * logits.shape[0]  # undo the batch mean
    return tape.gradient(loss, logits).numpy()


def test_generator_gradients_are_minus_d_and_minus_one_minus_d():
    # ∂/∂a log(1 − σ(a)) = −σ(a);  ∂/∂a (−log σ(a)) = −(1 − σ(a)).
    d_fake = sigmoid(FAKE_LOGITS)
    np.testing.assert_allclose(
        per_sample_gradient(losses.minimax_generator_loss, FAKE_LOGITS), -d_fake, rtol=1e-4
    )
    np.testing.assert_allclose(
        per_sample_gradient(losses.generator_loss, FAKE_LOGITS), -(1 - d_fake), rtol=1e-4
    )
