"""Each adversarial loss against its formula, on logits a with D = σ(a)."""

import keras
import numpy as np
import pytest
import scipy.stats
import tensorflow as tf
from keras import ops

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


# -- Wasserstein losses and the gradient penalty -------------------------------------------------

REAL_SCORES = np.array([[2.0], [-0.5], [4.0]], dtype=np.float32)
FAKE_SCORES = np.array([[-3.0], [0.0], [1.5]], dtype=np.float32)


def test_wasserstein_losses_match_their_formulas():
    # critic: E[f(G(z))] − E[f(x)];  generator: −E[f(G(z))]
    expected_critic = FAKE_SCORES.mean() - REAL_SCORES.mean()
    assert float(losses.critic_loss(REAL_SCORES, FAKE_SCORES)) == pytest.approx(expected_critic)
    assert float(losses.wasserstein_generator_loss(FAKE_SCORES)) == pytest.approx(0.5)  # −mean


def linear_critic(input_shape, seed=0):
    """f(x) = w·x + b on the flattened sample; its gradient is w everywhere."""
    critic = keras.Sequential(
        [keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    rng = np.random.default_rng(seed)
    kernel, bias = critic.layers[-1].get_weights()
    critic.layers[-1].set_weights([rng.normal(size=kernel.shape).astype("float32"), bias + 0.3])
    return critic


@pytest.mark.parametrize("sample_shape", [(5,), (4, 4, 1)])
def test_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared(sample_shape):
    critic = linear_critic(sample_shape)
    w = critic.layers[-1].get_weights()[0]
    rng = np.random.default_rng(1)
    real = rng.normal(size=(8, *sample_shape)).astype("float32")
    fake = rng.normal(size=(8, *sample_shape)).astype("float32")
    penalty = losses.gradient_penalty(critic, real, fake, weight=10.0, seed=3)
    expected = 10.0 * (np.linalg.norm(w) - 1.0) ** 2  # the same at every x̂, whatever ε is
    assert float(penalty) == pytest.approx(expected, rel=1e-4)


def test_interpolation_weights_are_uniform_on_0_1_one_per_sample():
    epsilon = np.asarray(losses.interpolation_weights(20_000, 4, seed=0))
    assert epsilon.shape == (20_000, 1, 1, 1)
    values = epsilon.ravel()
    assert values.min() >= 0.0 and values.max() <= 1.0  # a normal ε would leave [0, 1]
    assert scipy.stats.kstest(values, "uniform").pvalue > 0.001
    assert len(np.unique(values)) > 19_000  # its own ε for each sample


def squared_norm_of_images(x, training=False):
    """f(x) = Σ x² over each image: ∇f(x_i) = 2 x_i, so ‖∇f(x_i)‖ = 2‖x_i‖."""
    return ops.sum(ops.square(x), axis=(1, 2, 3))


def test_penalty_takes_each_samples_own_gradient():
    # f(x) = Σ x², so ∇f(x̂_i) = 2 x̂_i and the penalty is λ mean_i (2‖x̂_i‖ − 1)².
    rng = np.random.default_rng(2)
    real = rng.normal(size=(6, 3, 3, 1)).astype("float32")
    fake = rng.normal(size=(6, 3, 3, 1)).astype("float32")
    epsilon = rng.uniform(size=(6, 1, 1, 1)).astype("float32")
    mixed = epsilon * real + (1 - epsilon) * fake
    norms = 2 * np.linalg.norm(mixed.reshape(6, -1), axis=1)
    expected = 10.0 * np.mean((norms - 1.0) ** 2)
    got = losses.gradient_penalty(squared_norm_of_images, real, fake, epsilon=epsilon)
    assert float(got) == pytest.approx(expected, rel=1e-4)


def test_critic_gradient_norms_are_per_sample_norms_of_the_gradient():
    # f(x) = Σ x² has ∇f(x_i) = 2 x_i: each point's own norm 2‖x_i‖, not a batch-wide one.
    points = np.random.default_rng(4).normal(size=(7, 3, 3, 1)).astype("float32")
    norms = np.asarray(losses.critic_gradient_norms(squared_norm_of_images, points))
    expected = 2 * np.linalg.norm(points.reshape(7, -1), axis=1)
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_penalty_with_two_batch_axes_keeps_each_seeds_sample_apart():
    # Points shaped (batch, seeds, 2), as when several seeds train at once: one ε and one norm
    # per (sample, seed). With f = Σ x², ‖∇f(x̂)‖ = 2‖x̂‖ over the last axis only.
    def squared_norm_of_points(x, training=False):
        return ops.sum(ops.square(x), axis=-1, keepdims=True)

    rng = np.random.default_rng(5)
    real = rng.normal(size=(6, 3, 2)).astype("float32")
    fake = rng.normal(size=(6, 3, 2)).astype("float32")
    epsilon = np.asarray(losses.interpolation_weights((6, 3), 3, seed=1))
    assert epsilon.shape == (6, 3, 1) and len(np.unique(epsilon)) == 18
    mixed = epsilon * real + (1 - epsilon) * fake
    norms = losses.critic_gradient_norms(squared_norm_of_points, mixed, batch_axes=2)
    np.testing.assert_allclose(norms, 2 * np.linalg.norm(mixed, axis=-1), rtol=1e-5)
    got = losses.gradient_penalty(squared_norm_of_points, real, fake, epsilon=epsilon, batch_axes=2)
    expected = 10.0 * np.mean((2 * np.linalg.norm(mixed, axis=-1) - 1.0) ** 2)
    assert float(got) == pytest.approx(expected, rel=1e-4)


def test_penalty_trains_the_critic_through_a_second_derivative():
    # d/dw λ(‖w‖ − 1)² = 2λ(‖w‖ − 1) w / ‖w‖
    critic = linear_critic((5,))
    kernel = critic.layers[-1].kernel
    real = np.ones((4, 5), np.float32)
    fake = np.zeros((4, 5), np.float32)
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, real, fake, weight=10.0, seed=0)
    w = kernel.numpy()
    expected = 2 * 10.0 * (np.linalg.norm(w) - 1) * w / np.linalg.norm(w)
    np.testing.assert_allclose(tape.gradient(penalty, kernel).numpy(), expected, rtol=1e-4)


# -- CycleGAN (lesson 05) ---------------------------------------------------------------------

PATCH_REAL = np.array([[[[0.9], [1.4]], [[0.2], [1.0]]]], dtype=np.float32)  # D(y), a 2×2 patch
PATCH_FAKE = np.array([[[[0.1], [-0.3]], [[0.6], [0.0]]]], dtype=np.float32)  # D(G(x))


def test_least_squares_losses_match_their_formulas():
    # ½ (mean (0.01, 0.16, 0.64, 0) + mean (0.01, 0.09, 0.36, 0)) = ½ (0.2025 + 0.115)
    assert float(
        losses.least_squares_discriminator_loss(PATCH_REAL, PATCH_FAKE)
    ) == pytest.approx(0.15875, rel=1e-5)
    # mean (0.81, 1.69, 0.16, 1) = 0.915
    assert float(losses.least_squares_generator_loss(PATCH_FAKE)) == pytest.approx(0.915, rel=1e-5)


def test_least_squares_losses_are_zero_at_their_targets():
    ones, zeros = np.ones((2, 3, 3, 1), "float32"), np.zeros((2, 3, 3, 1), "float32")
    assert float(losses.least_squares_discriminator_loss(ones, zeros)) == 0.0
    assert float(losses.least_squares_generator_loss(ones)) == 0.0
    # The roles swapped is the worst case for D: ½ (1 + 1).
    assert float(losses.least_squares_discriminator_loss(zeros, ones)) == pytest.approx(1.0)


def test_cycle_and_identity_losses_are_weighted_mean_absolute_errors():
    images = np.array([[[[-1.0], [0.5]], [[1.0], [0.0]]]], dtype=np.float32)
    round_trip = np.array([[[[-0.8], [0.5]], [[0.4], [0.1]]]], dtype=np.float32)
    mean_abs = (0.2 + 0.0 + 0.6 + 0.1) / 4
    assert float(losses.cycle_consistency_loss(images, round_trip)) == pytest.approx(
        10 * mean_abs, rel=1e-5
    )
    assert float(losses.identity_loss(images, round_trip)) == pytest.approx(5 * mean_abs, rel=1e-5)
    assert float(losses.cycle_consistency_loss(images, round_trip, weight=1.0)) == pytest.approx(
        mean_abs, rel=1e-5
    )
    assert float(losses.cycle_consistency_loss(images, images)) == 0.0


# -- Lesson 10: hinge loss and R1 ---------------------------------------------------------------


def test_hinge_losses_match_their_formulas():
    expected_d = np.mean(np.maximum(0, 1 - REAL_LOGITS)) + np.mean(np.maximum(0, 1 + FAKE_LOGITS))
    got_d = losses.hinge_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)
    assert float(got_d) == pytest.approx(expected_d, rel=1e-6)
    assert float(losses.hinge_generator_loss(FAKE_LOGITS)) == pytest.approx(
        -np.mean(FAKE_LOGITS), rel=1e-6)


def test_hinge_discriminator_loss_ignores_samples_beyond_the_margin():
    # Real scored ≥ 1 and fake ≤ −1 are separated by the margin: no loss and no gradient.
    assert float(losses.hinge_discriminator_loss(np.array([[1.0], [7.0]]),
                                                 np.array([[-1.0], [-3.0]]))) == 0.0


class QuadraticCritic(keras.Model):
    """D(x) = ½ Σ a_k x_k², whose gradient a ⊙ x is known in closed form."""

    def __init__(self, curvature):
        super().__init__()
        self.curvature = ops.convert_to_tensor(curvature)

    def call(self, x, training=False):
        return 0.5 * ops.sum(self.curvature * ops.square(x), axis=[1, 2, 3])[:, None]


def test_r1_penalty_matches_the_analytic_gradient_of_a_quadratic_critic():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(5, 4, 4, 1)).astype(np.float32)
    curvature = rng.uniform(0.5, 2.0, size=(4, 4, 1)).astype(np.float32)
    gamma = 3.0
    analytic_norms = np.sum(np.square(curvature * real), axis=(1, 2, 3))  # ‖a ⊙ x‖²
    expected = gamma / 2 * np.mean(analytic_norms)
    got = losses.r1_penalty(QuadraticCritic(curvature), real, gamma=gamma)
    assert float(got) == pytest.approx(expected, rel=1e-5)


def test_r1_penalty_is_differentiable_with_respect_to_the_critics_weights():
    critic = keras.Sequential([keras.Input((3, 3, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    real = np.random.default_rng(1).normal(size=(6, 3, 3, 1)).astype(np.float32)
    with tf.GradientTape() as tape:
        penalty = losses.r1_penalty(critic, real, gamma=10.0)
    kernels = [v for v in critic.trainable_variables if "kernel" in v.path]
    gradients = tape.gradient(penalty, kernels)  # ∇ₓD does not depend on the last bias
    assert all(g is not None and float(ops.sum(ops.abs(g))) > 0 for g in gradients)
