"""Reusable code of Lesson 06 — Mode collapse and how to fight it.

Exported from the `# @save` cells of notebooks/06_mode_collapse.ipynb by
scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import tensorflow as tf
from keras import layers, ops

import gan_utils
from gan_utils.losses import (
    critic_loss,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    wasserstein_generator_loss,
)


@keras.saving.register_keras_serializable(package="lesson06")
class EnsembleDense(layers.Layer):
    """`seeds` independent dense layers applied to inputs shaped (batch, seeds, features)."""

    def __init__(self, units, seeds, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seeds = units, seeds

    def build(self, input_shape):
        # Glorot for each seed's (inputs, units) kernel. Plain "glorot_uniform" would count the
        # seeds axis into both fans and start every copy √seeds times smaller than a Dense.
        glorot_per_seed = keras.initializers.VarianceScaling(scale=self.seeds, mode="fan_avg",
                                                             distribution="uniform")
        self.kernel = self.add_weight(shape=(self.seeds, input_shape[-1], self.units),
                                      initializer=glorot_per_seed)
        self.bias = self.add_weight(shape=(self.seeds, self.units), initializer="zeros")

    def call(self, x):
        return ops.einsum("bsi,sio->bso", x, self.kernel) + self.bias  # x_s W_s + c_s

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seeds": self.seeds}


LATENT_DIM = 2  # z ∈ ℝ²
HIDDEN = 128  # units in each hidden layer of G and D


def build_generator(seeds):
    """`seeds` copies of z → three hidden layers of HIDDEN ReLU units → a point."""
    return keras.Sequential([
        keras.Input((seeds, LATENT_DIM)),
        EnsembleDense(HIDDEN, seeds), layers.ReLU(),
        EnsembleDense(HIDDEN, seeds), layers.ReLU(),
        EnsembleDense(HIDDEN, seeds), layers.ReLU(),
        EnsembleDense(2, seeds),
    ], name="generator")


def build_discriminator(seeds, pack=1, minibatch_std=False):
    """`seeds` copies of `pack` points side by side → three hidden layers → a score."""
    hidden = [EnsembleDense(HIDDEN, seeds), layers.LeakyReLU(0.2),
              EnsembleDense(HIDDEN, seeds), layers.LeakyReLU(0.2),
              EnsembleDense(HIDDEN, seeds), layers.LeakyReLU(0.2)]
    if minibatch_std:
        hidden.append(MinibatchStd())
    return keras.Sequential([keras.Input((seeds, 2 * pack)), *hidden, EnsembleDense(1, seeds)],
                            name="discriminator")


@keras.saving.register_keras_serializable(package="lesson06")
class MinibatchStd(layers.Layer):
    """Appends mean_f sqrt(Var_b(h[b, s, f]) + 1e-8) to every sample of seed s."""

    def call(self, hidden):
        # √(Var + 10⁻⁸) as Karras et al.: a plain std has an infinite gradient at zero spread
        spread = ops.mean(ops.sqrt(ops.var(hidden, axis=0) + 1e-8), axis=-1)  # (seeds,)
        feature = ops.broadcast_to(spread[None, :, None], ops.shape(hidden)[:2] + (1,))
        return ops.concatenate([hidden, feature], axis=-1)


@keras.saving.register_keras_serializable(package="lesson06")
class MixtureGAN(gan_utils.GAN):
    def __init__(self, generator, discriminator, objective="gan", pack=1, n_critic=1,
                 penalty_weight=0.1, batch_size=256, scale=1.0, **kwargs):
        if batch_size % pack:
            raise ValueError(f"batch_size {batch_size} is not a multiple of pack {pack}: D sees "
                             f"the batch in packs of {pack} samples")
        super().__init__(generator, discriminator, **kwargs)
        self.objective, self.pack, self.n_critic = objective, pack, n_critic
        self.penalty_weight, self.batch_size = penalty_weight, batch_size
        self.scale = scale  # the networks see points / scale ("Raw units, and what scaling does")
        self.seeds = self.latent_shape[0]  # z is (seeds, latent_dim) per sample

    def packed(self, points):
        # (batch, seeds, 2) → (batch / m, seeds, 2m): m consecutive samples side by side
        grouped = ops.reshape(points, (-1, self.pack, self.seeds, 2))
        return ops.reshape(ops.transpose(grouped, (0, 2, 1, 3)), (-1, self.seeds, 2 * self.pack))

    def score(self, points):
        return self.discriminator(self.packed(points), training=True)

    def train_step(self, real_points):
        for real in ops.split(real_points, self.n_critic):  # a fresh real batch per D step
            self.update_trackers(d_loss=self.discriminator_step(real))
        with tf.GradientTape() as tape:
            fake_scores = self.score(self.generator(self.sample_latents(self.batch_size)))
            if self.objective == "wgan_gp":
                g_loss = wasserstein_generator_loss(fake_scores)  # −E[f(G(z))]
            else:
                g_loss = generator_loss(fake_scores)  # −E[log D(G(z))]
            total = g_loss * self.seeds  # sum over seeds: the mean is over (batch, seeds)
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(total, g_weights), g_weights)
        return self.update_trackers(g_loss=g_loss)

    def discriminator_step(self, real):
        fake = self.generator(self.sample_latents(self.batch_size))
        with tf.GradientTape() as tape:
            real_scores, fake_scores = self.score(real), self.score(fake)
            if self.objective == "wgan_gp":
                loss = critic_loss(real_scores, fake_scores) + gradient_penalty(
                    self.discriminator, self.packed(real), self.packed(fake),
                    weight=self.penalty_weight, seed=self.seed_generator, batch_axes=2)
            else:
                loss = discriminator_loss(real_scores, fake_scores)
            total = loss * self.seeds
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(total, d_weights), d_weights)
        return loss

    def sample(self, n=2500, seed=1):
        """n points per seed in the data's units, shaped (n, seeds, 2)."""
        return self.scale * self.generate(n, seed=seed)

    def get_config(self):
        return {**super().get_config(), "objective": self.objective, "pack": self.pack,
                "n_critic": self.n_critic, "penalty_weight": self.penalty_weight,
                "batch_size": self.batch_size, "scale": self.scale}
