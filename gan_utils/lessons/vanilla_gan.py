"""Reusable code of Lesson 01 — The vanilla GAN.

Exported from the `# @save` cells of notebooks/01_vanilla_gan.ipynb by
scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import tensorflow as tf
from keras import layers, ops

import gan_utils
from gan_utils.losses import discriminator_loss, generator_loss

LESSON = "01_vanilla_gan"
BUDGETS = {
    #        data: "bundled" = the offline 10,000 digits; "auto" = full MNIST when reachable
    #        ema: the momentum of G's weight average (see "Averaging"); its horizon of
    #        1 / (1 − ema) steps must be short beside the whole training
    "smoke": dict(data="bundled", batch_size=64, epochs=4, steps_per_epoch=200, ema=0.99,
                  quality_bar=False),
    "cpu": dict(data="auto", batch_size=128, epochs=18, steps_per_epoch=600, ema=0.999,
                quality_bar=True),
    "gpu": dict(data="auto", batch_size=128, epochs=100, steps_per_epoch=600, ema=0.999,
                quality_bar=True),
}


LATENT_DIM = 64


def build_generator():
    def block(units):
        return [layers.Dense(units), layers.BatchNormalization(), layers.LeakyReLU(0.2)]

    return keras.Sequential(
        [keras.Input((LATENT_DIM,)), *block(256), *block(512), *block(1024),
         layers.Dense(28 * 28, activation="tanh"), layers.Reshape((28, 28, 1))],
        name="generator",
    )


def build_discriminator():
    def block(units):
        return [layers.Dense(units), layers.LeakyReLU(0.2), layers.Dropout(0.3)]

    return keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Flatten(),
         *block(1024), *block(512), *block(256), layers.Dense(1)],
        name="discriminator",
    )


@keras.saving.register_keras_serializable(package="lesson01")
class VanillaGAN(gan_utils.GAN):
    """Goodfellow et al.'s alternating updates, with the non-saturating generator loss."""

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]

        # 1. Discriminator: minimise L_D = −E[log D(x)] − E[log(1 − D(G(z)))]
        z = self.sample_latents(batch_size)
        fake_images = self.generator(z, training=True)  # G(z)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_images, training=True)  # D(x), as a logit
            fake_logits = self.discriminator(fake_images, training=True)  # D(G(z))
            d_loss = discriminator_loss(real_logits, fake_logits)
            scaled_d_loss = self.d_optimizer.scale_loss(d_loss)  # = L_D (see below)
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(scaled_d_loss, d_weights), d_weights)

        # 2. Generator: minimise L_G = −E[log D(G(z))] with fresh z
        z = self.sample_latents(batch_size)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = generator_loss(fake_logits)
            scaled_g_loss = self.g_optimizer.scale_loss(g_loss)  # = L_G
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(scaled_g_loss, g_weights), g_weights)

        return self.update_trackers(d_loss=d_loss, g_loss=g_loss)
