"""Reusable code of Lesson 03 — Conditional GAN: asking for a digit.

Exported from the `# @save` cells of notebooks/03_conditional_gan.ipynb by
scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

import gan_utils
from gan_utils.lessons.dcgan import LATENT_DIM, WIDTH, dcgan_init, upsample
from gan_utils.losses import discriminator_loss, generator_loss

LESSON = "03_conditional_gan"
BUDGETS = {
    #        ema: momentum of G's weight average, as in lessons 01 and 02
    #        cas_epochs: epochs of each classifier trained for the CAS
    "smoke": dict(data="bundled", batch_size=64, epochs=2, steps_per_epoch=150, ema=0.98,
                  acgan_epochs=2, acgan_ema=0.9, cas_epochs=1, quality_bar=False),
    "cpu": dict(data="auto", batch_size=64, epochs=9, steps_per_epoch=500, ema=0.999,
                acgan_epochs=3, acgan_ema=0.99, cas_epochs=8, quality_bar=True),
    "gpu": dict(data="auto", batch_size=128, epochs=40, steps_per_epoch=500, ema=0.999,
                acgan_epochs=20, acgan_ema=0.999, cas_epochs=8, quality_bar=True),
}


NUM_CLASSES = 10
LABEL_DIM = 16  # length of each class's learned vector e_y


def build_synthesis(latent_dim=LATENT_DIM, label_dim=LABEL_DIM, width=WIDTH):
    """[z, e_y] → image: lesson 02's generator with a wider input."""
    z = keras.Input((latent_dim,), name="z")
    label_vector = keras.Input((label_dim,), name="label_vector")
    h = layers.Concatenate()([z, label_vector])
    h = layers.Dense(7 * 7 * 4 * width, use_bias=False, kernel_initializer=dcgan_init())(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.Reshape((7, 7, 4 * width))(h)                        # 7 × 7
    for layer in upsample(2 * width) + upsample(width):             # 14 × 14, 28 × 28
        h = layer(h)
    image = layers.Conv2D(1, 3, padding="same", activation="tanh",
                          kernel_initializer=dcgan_init())(h)
    return keras.Model([z, label_vector], image, name="synthesis")


def build_generator(num_classes=NUM_CLASSES, latent_dim=LATENT_DIM, label_dim=LABEL_DIM,
                    width=WIDTH):
    """G(z | y) = synthesis([z, e_y])."""
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    label_vector = layers.Embedding(num_classes, label_dim, name="label_embedding")(label)
    synthesis = build_synthesis(latent_dim, label_dim, width)
    return keras.Model([z, label], synthesis([z, label_vector]), name="generator")


def build_discriminator(num_classes=NUM_CLASSES, width=WIDTH):
    image = keras.Input((28, 28, 1), name="image")
    label = keras.Input((), dtype="int32", name="label")
    h = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=dcgan_init())(image)
    h = layers.LeakyReLU(0.2)(h)                                          # 14 × 14
    h = layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=False,
                      kernel_initializer=dcgan_init())(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))             # 7 × 7
    features = layers.Flatten(name="features")(h)                        # φ(x)
    class_free_logit = layers.Dense(1, kernel_initializer=dcgan_init())(features)  # ψ(φ(x))
    class_vector = layers.Embedding(num_classes, features.shape[-1],
                                    embeddings_initializer=dcgan_init())(label)  # v_y
    projection = layers.Dot(axes=1)([class_vector, features])              # v_yᵀ φ(x)
    logit = layers.Add()([class_free_logit, projection])
    return keras.Model([image, label], logit, name="discriminator")


@keras.saving.register_keras_serializable(package="lesson03")
class ConditionalGAN(gan_utils.GAN):
    """G(z | y) against D(x | y); `generate(n, labels=...)` asks for classes."""

    def __init__(self, generator, discriminator, num_classes=NUM_CLASSES, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = num_classes

    def sample_labels(self, batch_size):
        """y' uniform over the classes (this replica's share, like the latents)."""
        return self.replica_share(lambda n: keras.random.randint(
            (n,), 0, self.num_classes, seed=self.seed_generator), batch_size)

    def train_step(self, batch):
        real_images, real_labels = batch
        batch_size = ops.shape(real_images)[0]

        # Discriminator: minimise −E[log D(x | y)] − E[log(1 − D(G(z | y') | y'))]
        fake_labels = self.sample_labels(batch_size)
        fake_images = self.generator([self.sample_latents(batch_size), fake_labels],
                                     training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([real_images, real_labels], training=True)
            fake_logits = self.discriminator([fake_images, fake_labels], training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, d_weights), d_weights)

        # Generator: minimise −E[log D(G(z | y') | y')] with fresh z and y'
        fake_labels = self.sample_labels(batch_size)
        with tf.GradientTape() as tape:
            fake_images = self.generator([self.sample_latents(batch_size), fake_labels],
                                         training=True)
            g_loss = generator_loss(self.discriminator([fake_images, fake_labels],
                                                       training=True))
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)

        return self.update_trackers(d_loss=d_loss, g_loss=g_loss)

    def generator_inputs(self, latents, labels=None):
        """[z, y]. Without labels: 0, 1, …, 9 over and over, the progress grid's columns."""
        if labels is None:
            labels = np.arange(len(latents)) % self.num_classes
        return [latents, np.asarray(labels, dtype="int32")]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def build_acgan_discriminator():
    image = keras.Input((28, 28, 1))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(WIDTH, 4, strides=2, padding="same",
                                            kernel_initializer=dcgan_init())(image))
    h = layers.Conv2D(2 * WIDTH, 4, strides=2, padding="same", use_bias=False,
                      kernel_initializer=dcgan_init())(h)
    features = layers.Flatten()(layers.LeakyReLU(0.2)(layers.BatchNormalization()(h)))
    source_logit = layers.Dense(1, kernel_initializer=dcgan_init(), name="source")(features)
    class_logits = layers.Dense(NUM_CLASSES, kernel_initializer=dcgan_init(),
                                name="class")(features)
    return keras.Model(image, [source_logit, class_logits], name="acgan_discriminator")


def class_loss(labels, class_logits):
    """−E[log P(C = c | x)]: the class head's cross-entropy, averaged over the batch."""
    return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits,
                                                                 from_logits=True))


class ACGAN(ConditionalGAN):
    loss_names = ("d_loss", "g_loss", "class_loss")

    def train_step(self, batch):
        real_images, real_labels = batch
        batch_size = ops.shape(real_images)[0]

        # Discriminator: maximise L_S + L_C, i.e. minimise the two cross-entropies
        fake_labels = self.sample_labels(batch_size)
        fake_images = self.generator([self.sample_latents(batch_size), fake_labels],
                                     training=True)
        with tf.GradientTape() as tape:
            real_source, real_class = self.discriminator(real_images, training=True)
            fake_source, fake_class = self.discriminator(fake_images, training=True)
            d_class_loss = class_loss(real_labels, real_class) + class_loss(fake_labels, fake_class)
            d_loss = discriminator_loss(real_source, fake_source) + d_class_loss
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, d_weights), d_weights)

        # Generator: be taken for real (non-saturating) and be recognised as class y'
        fake_labels = self.sample_labels(batch_size)
        with tf.GradientTape() as tape:
            fake_images = self.generator([self.sample_latents(batch_size), fake_labels],
                                         training=True)
            fake_source, fake_class = self.discriminator(fake_images, training=True)
            g_loss = generator_loss(fake_source) + class_loss(fake_labels, fake_class)
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)

        return self.update_trackers(d_loss=d_loss, g_loss=g_loss, class_loss=d_class_loss)
