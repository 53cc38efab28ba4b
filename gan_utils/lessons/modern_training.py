"""Reusable code of Lesson 10 — What modern GANs train with: spectral normalization, hinge loss,
TTUR, R1 and augmentation.

Exported from the `# @save` cells of notebooks/10_modern_training.ipynb by
scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import tensorflow as tf
from keras import ops

import gan_utils
from gan_utils import augment, data, losses, metrics, spectral
from gan_utils.lessons import dcgan

LOSSES = {  # name → (D's loss, G's loss), both on logits
    "non_saturating": (losses.discriminator_loss, losses.generator_loss),
    "hinge": (losses.hinge_discriminator_loss, losses.hinge_generator_loss),
}


@keras.saving.register_keras_serializable(package="lesson10")
class ModernGAN(gan_utils.GAN):
    """Lesson 02's game with a choice of loss, an R1 penalty, and DiffAugment."""

    loss_names = ("d_loss", "g_loss", "r1_penalty")

    def __init__(self, generator, discriminator, loss="non_saturating", r1_gamma=0.0,
                 augment=False, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}, not {loss!r}")
        self.loss, self.r1_gamma, self.augment = loss, float(r1_gamma), bool(augment)

    def seen_by_discriminator(self, images):
        """T(images): DiffAugment when `augment` is on, else the images themselves."""
        if not self.augment:
            return images
        return augment.diff_augment(images, seed=self.seed_generator)

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        d_loss_of, g_loss_of = LOSSES[self.loss]

        # 1. D: min ℓ_D(D(T(x)), D(T(G(z)))) + R1
        fake_images = self.generator(self.sample_latents(batch_size), training=True)
        real_seen = self.seen_by_discriminator(real_images)  # T(x)
        fake_seen = self.seen_by_discriminator(fake_images)  # T(G(z))
        with tf.GradientTape() as tape:
            d_loss = d_loss_of(self.discriminator(real_seen, training=True),
                               self.discriminator(fake_seen, training=True))
            penalty = (losses.r1_penalty(self.discriminator, real_seen, self.r1_gamma)
                       if self.r1_gamma else ops.zeros(()))
            total = d_loss + penalty
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(total, d_weights), d_weights)

        # 2. G: min ℓ_G(D(T(G(z)))), fresh z; the gradient flows back through T
        with tf.GradientTape() as tape:
            fake_images = self.generator(self.sample_latents(batch_size), training=True)
            fake_logits = self.discriminator(self.seen_by_discriminator(fake_images),
                                             training=True)
            g_loss = g_loss_of(fake_logits)
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
        return self.update_trackers(d_loss=d_loss, g_loss=g_loss, r1_penalty=penalty)

    def get_config(self):
        return {**super().get_config(), "loss": self.loss, "r1_gamma": self.r1_gamma,
                "augment": self.augment}


def build_discriminator(width=dcgan.WIDTH, normalization="batch"):
    """Lesson 02's D: "batch" (its batch norm), "none" (lesson 04's critic), "spectral"."""
    if normalization == "batch":
        return dcgan.build_discriminator(width=width)
    critic = dcgan.build_discriminator(width=width, batch_norm=False)
    if normalization == "none":
        return critic
    if normalization == "spectral":
        return spectral.spectrally_normalized(critic, name="sn_discriminator")
    raise ValueError(f'normalization must be "batch", "none" or "spectral", not {normalization!r}')


class DiscriminatorProbe(keras.callbacks.Callback):
    """After every epoch: σ of D's kernels, and D's logits on training and held-out digits."""

    recorded = ("spectral_norms", "gap", "r_t")  # what ResumeAfterRestart keeps

    def __init__(self, training_digits, held_out_digits):
        super().__init__()
        self.digits = [data.to_unit_range(training_digits), data.to_unit_range(held_out_digits)]
        self.spectral_norms, self.gap, self.r_t = [], [], []

    def on_epoch_end(self, epoch, logs=None):
        discriminator = self.model.discriminator
        self.spectral_norms.append(spectral.spectral_norms(discriminator))
        train_logits, held_out_logits = (ops.convert_to_numpy(discriminator(x, training=False))
                                         for x in self.digits)
        self.gap.append(metrics.overfitting_gap(train_logits, held_out_logits))
        self.r_t.append(metrics.overfitting_heuristic(train_logits))
