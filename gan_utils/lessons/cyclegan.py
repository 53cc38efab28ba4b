"""Reusable code of Lesson 05 — CycleGAN: translating between styles without pairs.

Exported from the `# @save` cells of notebooks/05_cyclegan.ipynb by scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

import gan_utils
from gan_utils.history import ImageHistory
from gan_utils.losses import (
    cycle_consistency_loss,
    identity_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
)

STRIDES = (1,)  # the paper's generator has (2, 2): two downsamplings, for 256 × 256 photos


def instance_norm():
    return layers.GroupNormalization(groups=-1, epsilon=1e-5)


def conv_norm_relu(h, channels, kernel, strides=1):
    h = layers.Conv2D(channels, kernel, strides=strides, padding="same")(h)
    return layers.ReLU()(instance_norm()(h))


def residual_block(h):
    """x + f(x): two 3 × 3 convolutions; the input skips past them."""
    f = conv_norm_relu(h, h.shape[-1], 3)
    f = instance_norm()(layers.Conv2D(h.shape[-1], 3, padding="same")(f))
    return layers.Add()([h, f])


def build_generator(name, image_shape=(28, 28, 3), width=16, blocks=1, strides=STRIDES):
    image = keras.Input(image_shape)
    h = conv_norm_relu(image, width, 7)
    for stride in strides:                          # double the channels (stride 2: halve the size)
        h = conv_norm_relu(h, 2 * h.shape[-1], 3, strides=stride)
    for _ in range(blocks):
        h = residual_block(h)
    for stride in reversed(strides):                # and back
        h = layers.Conv2DTranspose(h.shape[-1] // 2, 3, strides=stride, padding="same")(h)
        h = layers.ReLU()(instance_norm()(h))
    translated = layers.Conv2D(image_shape[-1], 7, padding="same", activation="tanh")(h)
    return keras.Model(image, translated, name=name)


def build_discriminator(name, image_shape=(28, 28, 3), strided_layers=1, width=16):
    image = keras.Input(image_shape)
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, strides=2, padding="same")(image))
    for _ in range(strided_layers - 1):
        h = layers.Conv2D(2 * h.shape[-1], 4, strides=2, padding="same")(h)
        h = layers.LeakyReLU(0.2)(instance_norm()(h))
    h = layers.Conv2D(2 * h.shape[-1], 4, padding="same")(h)
    h = layers.LeakyReLU(0.2)(instance_norm()(h))
    patch_scores = layers.Conv2D(1, 4, padding="same")(h)   # one score per patch
    return keras.Model(image, patch_scores, name=name)


@keras.saving.register_keras_serializable(package="lesson05")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """η₀ for `constant_steps`, then a straight line down to 0 at `total_steps`."""

    def __init__(self, initial_rate, total_steps, constant_steps):
        self.initial_rate = initial_rate
        self.total_steps = total_steps
        self.constant_steps = constant_steps

    def __call__(self, step):
        remaining = (self.total_steps - ops.cast(step, "float32")) / (
            self.total_steps - self.constant_steps)
        return self.initial_rate * ops.clip(remaining, 0.0, 1.0)

    def get_config(self):
        return dict(initial_rate=self.initial_rate, total_steps=self.total_steps,
                    constant_steps=self.constant_steps)


@keras.saving.register_keras_serializable(package="lesson05")
class CycleGAN(gan_utils.AdversarialModel):
    """G: A → B and F: B → A, a least-squares PatchGAN per domain (Zhu et al. 2017)."""

    loss_names = ("d_loss", "g_loss", "adversarial", "cycle", "identity")
    generator_roles = ("generator", "inverse_generator")
    discriminator_roles = ("discriminator", "source_discriminator")

    def __init__(self, generator, discriminator, inverse_generator, source_discriminator,
                 cycle_weight=10.0, history_size=50, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.check_built(inverse_generator=inverse_generator,
                         source_discriminator=source_discriminator)
        self.inverse_generator = inverse_generator          # F
        self.source_discriminator = source_discriminator    # D_A
        self.cycle_weight = cycle_weight                    # λ
        self.history_size = history_size
        self.history_a = ImageHistory(history_size, seed=self.seed)
        self.history_b = ImageHistory(history_size, seed=self.seed + 1)
        self.eval_sources = None    # A images the progress grid translates

    def generate_eval_batch(self):
        """Rows of a, G(a) and F(G(a)) for the fixed A images: what SampleGrid shows."""
        if self.eval_sources is None:
            raise ValueError("set cyclegan.eval_sources to the A images the grid translates")
        translated = self.generator.predict(self.eval_sources, verbose=0)
        round_trip = self.inverse_generator.predict(translated, verbose=0)
        return np.concatenate([self.eval_sources, translated, round_trip])


def generator_objective(self, real_a, real_b):
    G, F = self.generator, self.inverse_generator
    fake_b, fake_a = G(real_a, training=True), F(real_b, training=True)   # G(a), F(b)
    adversarial = (least_squares_generator_loss(self.discriminator(fake_b))
                   + least_squares_generator_loss(self.source_discriminator(fake_a)))
    # λ‖F(G(a)) − a‖₁ + λ‖G(F(b)) − b‖₁
    cycle = (cycle_consistency_loss(real_a, F(fake_b, training=True), self.cycle_weight)
             + cycle_consistency_loss(real_b, G(fake_a, training=True), self.cycle_weight))
    # ½λ (‖G(b) − b‖₁ + ‖F(a) − a‖₁)
    half_weight = 0.5 * self.cycle_weight
    identity = (identity_loss(real_b, G(real_b, training=True), half_weight)
                + identity_loss(real_a, F(real_a, training=True), half_weight))
    return fake_a, fake_b, adversarial, cycle, identity


def discriminator_objective(self, real_a, real_b, fake_a, fake_b):
    # Each D sees real images and fakes drawn through its history.
    older_b, older_a = self.history_b(fake_b), self.history_a(fake_a)
    loss_b = least_squares_discriminator_loss(self.discriminator(real_b, training=True),
                                              self.discriminator(older_b, training=True))
    loss_a = least_squares_discriminator_loss(self.source_discriminator(real_a, training=True),
                                              self.source_discriminator(older_a, training=True))
    return loss_a + loss_b


def train_step(self, batch):
    real_a, real_b = batch
    with tf.GradientTape() as tape:
        fake_a, fake_b, adversarial, cycle, identity = self.generator_objective(real_a, real_b)
        g_loss = adversarial + cycle + identity
    variables = self.generator_variables                      # G and F
    self.g_optimizer.apply(tape.gradient(g_loss, variables), variables)

    fake_a, fake_b = ops.stop_gradient(fake_a), ops.stop_gradient(fake_b)
    with tf.GradientTape() as tape:
        d_loss = self.discriminator_objective(real_a, real_b, fake_a, fake_b)
    variables = self.discriminator_variables                  # D_A and D_B
    self.d_optimizer.apply(tape.gradient(d_loss, variables), variables)
    return self.update_trackers(d_loss=d_loss, g_loss=g_loss, adversarial=adversarial,
                                cycle=cycle, identity=identity)


def get_config(self):
    return {**super(CycleGAN, self).get_config(), "cycle_weight": self.cycle_weight,
            "history_size": self.history_size}


CycleGAN.generator_objective = generator_objective
CycleGAN.discriminator_objective = discriminator_objective
CycleGAN.train_step = train_step
CycleGAN.get_config = get_config
