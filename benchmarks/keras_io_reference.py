"""Reference training loops, written the way the widespread keras.io examples write them.

The benchmark runs each lesson's networks under these loops and under the lesson's own
`train_step`, so that the ratio measures the training loop alone. Their structure follows
keras.io's "DCGAN to generate face images" (fchollet; a `keras.Model` with a plain two-tape
`train_step`, trained by one `fit`) and "WGAN-GP overriding `Model.train_step`" (A. K. Nain):

* metrics made in `compile`, which also calls `super().compile()` with its defaults;
* the discriminator sees real and generated images concatenated into one batch, with noisy
  labels (generated = 1, real = 0, as keras.io has them);
* `apply_gradients(zip(grads, weights))`;
* WGAN-GP: `d_steps` critic updates on the same real batch, the generator run inside the
  critic's tape, and a gradient penalty with its own inner tape.

Two deviations, both so that the reference does the lesson's work: the networks are called with
`training=True` (keras.io's networks have no batch norm or dropout, ours do, and without it
Keras runs those layers in inference mode), and the WGAN-GP reference draws ε ~ U[0, 1] where
keras.io drew it from a normal distribution (lesson 04 explains why that is wrong); the cost is
the same.
"""

import keras
import tensorflow as tf
from keras import ops

__all__ = ["KerasIoConditionalGAN", "KerasIoGAN", "KerasIoWGANGP"]


class KerasIoGAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def latents(self, batch_size):
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def discriminate(self, images, labels=None):
        return self.discriminator(images, training=True)

    def generate(self, batch_size, labels=None):
        return self.generator(self.latents(batch_size), training=True)

    def train_step(self, real_images, real_labels=None, fake_labels=None):
        batch_size = ops.shape(real_images)[0]
        generated_images = self.generate(batch_size, fake_labels)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        combined_labels = (None if real_labels is None
                           else ops.concatenate([fake_labels, real_labels], axis=0))
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))  # keras.io's label noise
        with tf.GradientTape() as tape:
            predictions = self.discriminate(combined_images, combined_labels)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights, strict=True))

        misleading_labels = ops.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminate(self.generate(batch_size, fake_labels), fake_labels)
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))

        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


class KerasIoConditionalGAN(KerasIoGAN):
    """The same loop with a label beside every image, for lesson 03's G(z | y) and D(x | y)."""

    def __init__(self, discriminator, generator, latent_dim, num_classes=10):
        super().__init__(discriminator, generator, latent_dim)
        self.num_classes = num_classes

    def discriminate(self, images, labels=None):
        return self.discriminator([images, labels], training=True)

    def generate(self, batch_size, labels=None):
        return self.generator([self.latents(batch_size), labels], training=True)

    def train_step(self, data):
        real_images, real_labels = data
        fake_labels = keras.random.randint((ops.shape(real_images)[0],), 0, self.num_classes,
                                           seed=self.seed_generator)
        return super().train_step(real_images, real_labels, fake_labels)


class KerasIoWGANGP(keras.Model):
    def __init__(self, discriminator, generator, latent_dim, discriminator_extra_steps=5,
                 gp_weight=10.0):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_steps = discriminator_extra_steps
        self.gp_weight = gp_weight

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    def gradient_penalty(self, batch_size, real_images, fake_images):
        alpha = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
        interpolated = real_images + alpha * (fake_images - real_images)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = self.discriminator(interpolated, training=True)
        grads = gp_tape.gradient(pred, [interpolated])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        for _ in range(self.d_steps):
            random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake_images = self.generator(random_latent_vectors, training=True)
                fake_logits = self.discriminator(fake_images, training=True)
                real_logits = self.discriminator(real_images, training=True)
                d_cost = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                gp = self.gradient_penalty(batch_size, real_images, fake_images)
                d_loss = d_cost + gp * self.gp_weight
            d_gradient = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(
                zip(d_gradient, self.discriminator.trainable_variables, strict=True))

        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            generated_images = self.generator(random_latent_vectors, training=True)
            g_loss = -tf.reduce_mean(self.discriminator(generated_images, training=True))
        gen_gradient = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(
            zip(gen_gradient, self.generator.trainable_variables, strict=True))
        return {"d_loss": d_loss, "g_loss": g_loss}
