"""Reusable code of Lesson 09 — InfoGAN: codes that find the digit, its slant and its width.

Exported from the `# @save` cells of notebooks/09_infogan.ipynb by scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

import gan_utils
from gan_utils.lessons import dcgan
from gan_utils.losses import discriminator_loss, generator_loss

NOISE_DIM = 62       # z
NUM_CATEGORIES = 10  # c1 ~ Cat(10)
NUM_CONTINUOUS = 2   # c2, c3 ~ U(-1, 1)
CODE_DIM = NUM_CATEGORIES + NUM_CONTINUOUS
WIDTH = 64           # the paper's channels at 14 × 14, twice as many at 7 × 7
DENSE_UNITS = 1024   # the paper's fully connected layer, in G and in D's shared body
SLOPE = 0.1          # LeakyReLU's slope in D and Q (the paper's Appendix C)


def uniform_noise(z):
    """The authors' noise, U(−1, 1), from z ~ N(0, I): erf(z / √2) = 2Φ(z) − 1."""
    return ops.erf(z / np.sqrt(2.0))


def dense_norm(units, name=None):
    """A fully connected layer without bias (batch norm follows it), DCGAN's initializer."""
    return layers.Dense(units, use_bias=False, kernel_initializer=dcgan.dcgan_init(), name=name)


def build_generator(width=WIDTH, dense_units=DENSE_UNITS, code_dim=CODE_DIM):
    """The paper's MNIST generator on [noise, one-hot c1, c2, c3], 62 + 10 + 2 = 74 inputs."""
    return keras.Sequential([
        keras.Input((NOISE_DIM + code_dim,)),
        dense_norm(dense_units), layers.BatchNormalization(), layers.ReLU(),
        dense_norm(7 * 7 * 2 * width), layers.BatchNormalization(), layers.ReLU(),
        layers.Reshape((7, 7, 2 * width)),                                         # 7 × 7
        *dcgan.upsample(width),                                                    # 14 × 14
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh",
                               kernel_initializer=dcgan.dcgan_init(), dtype="float32"),  # 28 × 28
    ], name="generator")


def build_discriminator(width=WIDTH, dense_units=DENSE_UNITS, code_dim=CODE_DIM):
    """The paper's MNIST discriminator, one body with two heads: x → [D's logit, Q's logits
    and means]."""
    image = keras.Input((28, 28, 1), name="image")
    h = layers.Conv2D(width, 4, strides=2, padding="same",
                      kernel_initializer=dcgan.dcgan_init())(image)                # 14 × 14
    h = layers.LeakyReLU(SLOPE)(h)
    h = layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=False,
                      kernel_initializer=dcgan.dcgan_init())(h)                    # 7 × 7
    h = layers.LeakyReLU(SLOPE)(layers.BatchNormalization()(h))
    h = dense_norm(dense_units)(layers.Flatten()(h))
    features = layers.LeakyReLU(SLOPE)(layers.BatchNormalization()(h))  # what both heads read
    logit = layers.Dense(1, kernel_initializer=dcgan.dcgan_init(), dtype="float32",
                         name="d_head")(features)
    h = dense_norm(128, name="q_hidden")(features)
    h = layers.LeakyReLU(SLOPE)(layers.BatchNormalization(name="q_norm")(h))
    code_outputs = layers.Dense(code_dim, kernel_initializer=dcgan.dcgan_init(), dtype="float32",
                                name="q_head")(h)
    return keras.Model(image, [logit, code_outputs], name="discriminator_and_q")


@keras.saving.register_keras_serializable(package="lesson09")
class InfoGAN(gan_utils.GAN):
    """Lesson 01's game plus λ · L_I(G, Q); the discriminator returns [D's logit, Q's outputs].

    Q always learns to read the code; `information_weight` (λ) is how much G is rewarded for
    making it readable. λ = 0 is the control of Chen et al.'s Figure 1. `continuous_weight`
    scales the continuous codes' term within it (1, as in the authors' MNIST code).
    """

    loss_names = ("d_loss", "g_loss", "information_loss", "lower_bound")

    def __init__(self, generator, discriminator, information_weight=1.0,
                 num_categories=NUM_CATEGORIES, num_continuous=NUM_CONTINUOUS,
                 continuous_weight=1.0, **kwargs):
        kwargs.setdefault("latent_dim", NOISE_DIM)  # z; the codes are drawn apart from it
        super().__init__(generator, discriminator, **kwargs)
        self.information_weight = information_weight
        self.num_categories = num_categories  # K
        self.num_continuous = num_continuous
        self.continuous_weight = continuous_weight

    def sample_codes(self, batch_size):
        """c1 uniform over the categories, c2, c3 uniform on [-1, 1] (this replica's share)."""
        def draw(n):
            categories = keras.random.randint((n,), 0, self.num_categories,
                                              seed=self.seed_generator)
            continuous = keras.random.uniform((n, self.num_continuous), -1.0, 1.0,
                                              seed=self.seed_generator)
            return categories, continuous
        return self.replica_share(draw, batch_size)

    def generator_input(self, z, categories, continuous):
        """[uniform noise from z, one-hot c1, c2, c3]: the 74 numbers G reads."""
        one_hot = ops.one_hot(categories, self.num_categories)
        return ops.concatenate([uniform_noise(z), one_hot, continuous], axis=-1)

    def information_loss(self, code_outputs, categories, continuous):
        """−E[log Q(c | x)] up to a constant, its continuous part times `continuous_weight`;
        and L_I of c1 = log K − its cross-entropy."""
        logits = code_outputs[:, :self.num_categories]
        means = code_outputs[:, self.num_categories:]
        cross_entropy = ops.mean(keras.losses.sparse_categorical_crossentropy(
            categories, logits, from_logits=True))  # −E[log Q(c1 | x)]
        gaussian = ops.mean(ops.sum(0.5 * ops.square(continuous - means), axis=-1))  # σ = 1
        lower_bound = np.log(self.num_categories) - cross_entropy  # L_I(G, Q) for c1
        return cross_entropy + self.continuous_weight * gaussian, lower_bound

    def fakes(self, batch_size):
        categories, continuous = self.sample_codes(batch_size)
        z = self.sample_latents(batch_size)
        images = self.generator(self.generator_input(z, categories, continuous), training=True)
        return images, categories, continuous

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]

        # 1. D and Q: minimise L_D − E[log Q(c | G(z, c))]
        fake_images, categories, continuous = self.fakes(batch_size)
        with tf.GradientTape() as tape:
            real_logits, _ = self.discriminator(real_images, training=True)
            fake_logits, code_outputs = self.discriminator(fake_images, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
            information, _ = self.information_loss(code_outputs, categories, continuous)
            total = d_loss + information
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(total, d_weights), d_weights)

        # 2. G: minimise L_G + λ · (−E[log Q(c | G(z, c))]), with fresh z and c (λ = 0: L_G)
        with tf.GradientTape() as tape:
            fake_images, categories, continuous = self.fakes(batch_size)
            fake_logits, code_outputs = self.discriminator(fake_images, training=True)
            g_loss = generator_loss(fake_logits)
            information, lower_bound = self.information_loss(code_outputs, categories,
                                                             continuous)
            total = g_loss + self.information_weight * information
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(total, g_weights), g_weights)
        return self.update_trackers(d_loss=d_loss, g_loss=g_loss, information_loss=information,
                                    lower_bound=lower_bound)

    def generator_inputs(self, latents, categories=None, continuous=None):
        """For generate() and the progress grid: c1 = 0…9 in turn, c2 = c3 = 0 unless given."""
        count, k = len(latents), self.num_categories
        if categories is None:
            categories = np.arange(count) // max(count // k, 1) % k
        if continuous is None:
            continuous = np.zeros((count, self.num_continuous), "float32")
        categories = np.asarray(categories)
        if categories.size and not 0 <= categories.min() <= categories.max() < k:
            # one_hot would silently give an all-zero code: a c1 that G never saw
            raise ValueError(f"c1 takes the values 0…{k - 1}; got {categories.min()}…"
                             f"{categories.max()}")
        inputs = self.generator_input(ops.convert_to_tensor(latents, "float32"),
                                      categories, np.asarray(continuous, "float32"))
        return ops.convert_to_numpy(inputs)

    def training_like_inputs(self, rng, batch_size):
        """Codes drawn as in training (for batch norm's statistics of the averaged weights)."""
        z = rng.standard_normal((batch_size, NOISE_DIM)).astype("float32")
        return self.generator_inputs(z, rng.integers(0, self.num_categories, batch_size),
                                     rng.uniform(-1, 1, (batch_size, self.num_continuous)))

    def get_config(self):
        return {**super().get_config(), "information_weight": self.information_weight,
                "num_categories": self.num_categories, "num_continuous": self.num_continuous,
                "continuous_weight": self.continuous_weight}
