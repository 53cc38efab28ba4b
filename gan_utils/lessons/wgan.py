"""Reusable code of Lesson 04 — WGAN and WGAN-GP: a loss that measures distance.

Exported from the `# @save` cells of notebooks/04_wgan.ipynb by scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import tensorflow as tf
from keras import ops

import gan_utils
from gan_utils.lessons import dcgan
from gan_utils.losses import critic_loss, gradient_penalty, wasserstein_generator_loss

LESSON = "04_wgan"
BUDGETS = {
    #   gp_*: WGAN-GP; clip_*: weight-clipped WGAN; gan_*: lesson 01's losses on the same nets
    #   ema: momentum of G's weight average (lessons 01-03); judge_sample: samples per epoch
    "smoke": dict(data="bundled", batch_size=32, gp_learning_rate=5e-4, gp_epochs=3,
                  clip_epochs=2, gan_epochs=2, steps_per_epoch=30, ema=0.9,
                  judge_sample=500, toy_steps=300, quality_bar=False),
    "cpu": dict(data="auto", batch_size=32, gp_learning_rate=5e-4, gp_epochs=22,
                clip_epochs=4, gan_epochs=6, steps_per_epoch=200, ema=0.995,
                judge_sample=1000, toy_steps=1500, quality_bar=True),
    "gpu": dict(data="auto", batch_size=64, gp_learning_rate=1e-4, gp_epochs=50,
                clip_epochs=50, gan_epochs=20, steps_per_epoch=500, ema=0.999,
                judge_sample=2000, toy_steps=1500, quality_bar=True),
}
N_CRITIC = 5  # critic updates per generator update (both papers' Algorithm 1)


def build_generator():
    """Lesson 02's generator, with Keras' default (Glorot-uniform) initializer."""
    return dcgan.build_generator(init="glorot_uniform")


def build_critic():
    """Lesson 02's discriminator without batch norm: a score per image, no sigmoid."""
    return dcgan.build_discriminator(init="glorot_uniform", batch_norm=False, name="critic")


@keras.saving.register_keras_serializable(package="lesson04")
class WGAN(gan_utils.GAN):
    loss_names = ("wasserstein_estimate", "g_loss")

    # The critic f takes the base's discriminator role (so it is saved and reloaded as one).
    def __init__(self, generator, discriminator, n_critic=N_CRITIC, clip_value=0.01, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.n_critic = n_critic
        self.clip_value = clip_value

    def train_step(self, real_images):
        # n_critic critic updates, each on its own real batch, then one generator update.
        for real_batch in ops.split(real_images, self.n_critic):
            self.update_trackers(**self.critic_step(real_batch))  # averaged over critic steps

        batch_size = ops.shape(real_batch)[0]
        with tf.GradientTape() as tape:
            fake_scores = self.discriminator(
                self.generator(self.sample_latents(batch_size), training=True), training=True)
            g_loss = wasserstein_generator_loss(fake_scores)  # L_G = −E[f(G(z))]
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
        return self.update_trackers(g_loss=g_loss)

    def critic_step(self, real_batch):
        fake_batch = self.generator(self.sample_latents(ops.shape(real_batch)[0]), training=True)
        with tf.GradientTape() as tape:
            # L_f = E[f(G(z))] − E[f(x)], the negative Wasserstein estimate
            loss = critic_loss(self.discriminator(real_batch, training=True),
                               self.discriminator(fake_batch, training=True))
        critic_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(loss, critic_weights), critic_weights)
        for weight in critic_weights:  # w ← clip(w, −c, c)
            weight.assign(ops.clip(weight, -self.clip_value, self.clip_value))
        return {"wasserstein_estimate": -loss}

    def get_config(self):
        return {**super().get_config(), "n_critic": self.n_critic, "clip_value": self.clip_value}


@keras.saving.register_keras_serializable(package="lesson04")
class WGANGP(WGAN):
    loss_names = ("wasserstein_estimate", "gradient_penalty", "g_loss")

    def __init__(self, generator, discriminator, penalty_weight=10.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.penalty_weight = penalty_weight

    def critic_step(self, real_batch):
        fake_batch = self.generator(self.sample_latents(ops.shape(real_batch)[0]), training=True)
        with tf.GradientTape() as tape:
            loss = critic_loss(self.discriminator(real_batch, training=True),
                               self.discriminator(fake_batch, training=True))
            # λ E[(‖∇f(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U[0, 1] per sample
            penalty = gradient_penalty(self.discriminator, real_batch, fake_batch,
                                       weight=self.penalty_weight, seed=self.seed_generator)
            total = loss + penalty
        critic_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(total, critic_weights), critic_weights)
        return {"wasserstein_estimate": -loss, "gradient_penalty": penalty}

    def get_config(self):
        return {**super().get_config(), "penalty_weight": self.penalty_weight}
