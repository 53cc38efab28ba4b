"""Adversarial losses (introduced in lesson 01; shared from lesson 02 on).

Lesson 01 derives the first three in the notebook itself, as its subject; later lessons import
them from here. Conventions of the course: real = 1, fake = 0, and networks output logits a
with D = σ(a). Each loss is the mean over the batch.

Under a `tf.distribute` strategy with N replicas (lesson 08) every loss here returns this
replica's share of the global mean, its own batch mean / N, as `keras.losses` do: the
optimizer sums the replicas' gradients, which then are those of the global mean.
`GAN.update_trackers` multiplies by N again, so the trackers report the true mean.

The Wasserstein losses and the gradient penalty (lesson 04) work on critic scores f(x),
unbounded real numbers with no sigmoid. So do the least-squares losses of CycleGAN (lesson 05),
whose discriminators regress real → 1 and fake → 0, and its cycle and identity losses, which
compare images pixel by pixel.

Lesson 10 adds the hinge loss of SNGAN, SAGAN and BigGAN and the R1 penalty of Mescheder et
al. (2018), which lesson 11 reuses.
"""

import keras
import tensorflow as tf
from keras import ops

__all__ = [
    "critic_gradient_norms",
    "critic_loss",
    "cycle_consistency_loss",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "identity_loss",
    "interpolation_weights",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_generator_loss",
    "r1_penalty",
    "share_of_global_mean",
    "wasserstein_generator_loss",
]

_bce = keras.losses.BinaryCrossentropy(from_logits=True)


# L_D = −E[log D(x)] − E[log(1 − D(G(z)))]
def discriminator_loss(real_logits, fake_logits):
    """The discriminator's binary cross-entropy: real labelled 1, fake labelled 0."""
    return _bce(ops.ones_like(real_logits), real_logits) + _bce(
        ops.zeros_like(fake_logits), fake_logits
    )


# L_G = −E[log D(G(z))]
def generator_loss(fake_logits):
    """The non-saturating generator loss of Goodfellow et al. (2014)."""
    return _bce(ops.ones_like(fake_logits), fake_logits)


# L_G = E[log(1 − D(G(z)))]
def minimax_generator_loss(fake_logits):
    """The generator's side of the minimax game; its gradient vanishes while D(G(z)) ≈ 0."""
    return -_bce(ops.zeros_like(fake_logits), fake_logits)


# -- Wasserstein GAN (lesson 04) ----------------------------------------------------------------


def share_of_global_mean(batch_mean):
    """This replica's share of a mean over the global batch: batch_mean / N under a strategy.

    What `keras.losses` do to every loss under `tf.distribute` (Keras ≥ 3.8); one device: N = 1.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return batch_mean / replicas if replicas > 1 else batch_mean


# L_critic = E[f(G(z))] − E[f(x)], minus the critic's estimate of W(P_r, P_g)
def critic_loss(real_scores, fake_scores):
    """The WGAN critic's loss (Arjovsky et al. 2017, Algorithm 1)."""
    return share_of_global_mean(ops.mean(fake_scores) - ops.mean(real_scores))


# L_G = −E[f(G(z))]
def wasserstein_generator_loss(fake_scores):
    """The WGAN generator's loss: raise the critic's score of its samples."""
    return share_of_global_mean(-ops.mean(fake_scores))


def interpolation_weights(batch_size, sample_rank, seed=None):
    """ε ~ U[0, 1], one per sample, shaped (batch_size, 1, …, 1) to broadcast over a sample.

    `batch_size` may be a tuple of leading axes, e.g. (batch, seeds) for lesson 06's models
    that train several seeds at once; `sample_rank` is the rank of the whole batch of samples.
    """
    batch_shape = list(batch_size) if isinstance(batch_size, (tuple, list)) else [batch_size]
    shape = batch_shape + [1] * (sample_rank - len(batch_shape))
    return keras.random.uniform(shape, minval=0.0, maxval=1.0, seed=seed)


def critic_gradient_norms(critic, points, batch_axes=1):
    """‖∇ₓ f(x)‖₂ at each point, one norm per sample (a 1-Lipschitz critic has norms ≤ 1).

    The first `batch_axes` axes index samples, the rest make up one sample (2 for points shaped
    (batch, seeds, features)). Differentiable: call it inside a `GradientTape` to train on it
    (double backpropagation).
    """
    points = ops.convert_to_tensor(points)
    with tf.GradientTape() as tape:
        tape.watch(points)
        # The sum keeps each sample's gradient apart: f(x_i) depends on x_i alone.
        total_score = ops.sum(critic(points, training=True))  # Σ_i f(x_i)
    gradients = tape.gradient(total_score, points)
    sample_axes = list(range(batch_axes, len(points.shape)))
    return ops.sqrt(ops.sum(ops.square(gradients), axis=sample_axes) + 1e-12)


# GP = λ E[(‖∇_x̂ f(x̂)‖₂ − 1)²],  x̂ = ε x + (1 − ε) x̃,  ε ~ U[0, 1]
def gradient_penalty(critic, real, fake, weight=10.0, epsilon=None, seed=None, batch_axes=1):
    """The gradient penalty of WGAN-GP (Gulrajani et al. 2017, Algorithm 1).

    Each sample gets its own ε (drawn from `seed` unless `epsilon` is given) and its own
    gradient norm, so the critic must not mix samples (no batch normalization). Call it inside
    the critic's `GradientTape`: the penalty is differentiated again with respect to the
    critic's weights. `batch_axes` as in `critic_gradient_norms`.
    """
    if epsilon is None:
        batch_shape = tuple(ops.shape(real)[:batch_axes])
        epsilon = interpolation_weights(batch_shape, len(real.shape), seed=seed)
    mixed = epsilon * real + (1.0 - epsilon) * fake  # x̂
    norms = critic_gradient_norms(critic, mixed, batch_axes=batch_axes)
    return share_of_global_mean(weight * ops.mean(ops.square(norms - 1.0)))


# -- CycleGAN (lesson 05) ---------------------------------------------------------------------


# L_D = ½ (E[(D(y) − 1)²] + E[D(G(x))²])
def least_squares_discriminator_loss(real_scores, fake_scores):
    """LSGAN's discriminator loss (Mao et al. 2017), halved as in CycleGAN (Zhu et al. 2017).

    Halving slows D relative to the generators; scores may be a patch of outputs per image
    (PatchGAN), and the mean runs over every patch.
    """
    batch_mean = 0.5 * (ops.mean(ops.square(real_scores - 1.0)) + ops.mean(ops.square(fake_scores)))
    return share_of_global_mean(batch_mean)


# L_G = E[(D(G(x)) − 1)²]
def least_squares_generator_loss(fake_scores):
    """LSGAN's generator loss: push the discriminator's score of G(x) towards "real" (1)."""
    return share_of_global_mean(ops.mean(ops.square(fake_scores - 1.0)))


# L_cyc = λ E[|F(G(x)) − x|]
def cycle_consistency_loss(images, reconstructed, weight=10.0):
    """λ times the mean absolute error of a round trip x → G(x) → F(G(x)) (λ = 10 in the paper).

    Called once per direction: λ E|F(G(x)) − x| + λ E|G(F(y)) − y| is the paper's full term.
    """
    return share_of_global_mean(weight * ops.mean(ops.abs(reconstructed - images)))


# L_identity = w E[|G(y) − y|],  w = 0.5 λ
def identity_loss(images, mapped, weight=5.0):
    """Weighted mean absolute change when a generator is given an image already in its target
    domain (G(y) for y in B); 0.5 λ = 5 in the paper, where it keeps colours from drifting.
    """
    return share_of_global_mean(weight * ops.mean(ops.abs(mapped - images)))


# -- Modern training (lesson 10) --------------------------------------------------------------


# L_D = E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]
def hinge_discriminator_loss(real_logits, fake_logits):
    """The hinge loss (Lim & Ye 2017): D is penalised only inside the margin |D| < 1.

    A real image scored above 1, or a fake below −1, adds nothing: D stops pushing samples it
    already separates by the margin, unlike the cross-entropy, which never stops.
    """
    real_part = ops.mean(ops.relu(1.0 - real_logits))
    fake_part = ops.mean(ops.relu(1.0 + fake_logits))
    return share_of_global_mean(real_part + fake_part)


# L_G = −E[D(G(z))]
def hinge_generator_loss(fake_logits):
    """The generator's side of the hinge game: raise D's score of its samples (no margin)."""
    return share_of_global_mean(-ops.mean(fake_logits))


# R1 = γ/2 · E_{x ~ P_r}[‖∇_x D(x)‖²]
def r1_penalty(discriminator, real_images, gamma=10.0):
    """Mescheder et al.'s (2018) R1: the squared gradient norm of D's logit on real data only.

    It pulls D flat around the data, where a generator that matches the data should feel no
    push. Call it inside the discriminator's `GradientTape` (double backpropagation), and give
    it a discriminator without batch normalization, so each sample's gradient is its own.
    """
    real_images = ops.convert_to_tensor(real_images)
    with tf.GradientTape() as tape:
        tape.watch(real_images)
        total_logit = ops.sum(discriminator(real_images, training=True))  # Σ_i D(x_i)
    gradients = tape.gradient(total_logit, real_images)
    sample_axes = list(range(1, len(real_images.shape)))
    squared_norms = ops.sum(ops.square(gradients), axis=sample_axes)  # ‖∇_x D(x_i)‖²
    return share_of_global_mean(0.5 * gamma * ops.mean(squared_norms))
