"""Reusable code of Lesson 02 — DCGAN: convolutional generators.

Exported from the `# @save` cells of notebooks/02_dcgan.ipynb by scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import keras
from keras import layers

LESSON = "02_dcgan"
BUDGETS = {
    #        ema: momentum of G's weight average, as in lesson 01
    "smoke": dict(data="bundled", batch_size=64, learning_rate=8e-4, epochs=2,
                  steps_per_epoch=120, ema=0.98, quality_bar=False),
    "cpu": dict(data="auto", batch_size=64, learning_rate=8e-4, epochs=22,
                steps_per_epoch=500, ema=0.999, quality_bar=True),
    "gpu": dict(data="auto", batch_size=128, learning_rate=2e-4, epochs=40,
                steps_per_epoch=500, ema=0.999, quality_bar=True),
}


LATENT_DIM = 64
WIDTH = 32  # channels at 28 × 28; twice as many at 14 × 14, four times at 7 × 7


def dcgan_init():
    """N(0, 0.02), DCGAN §4: a new initializer for each layer. Keras fixes an unseeded
    initializer's seed when it is made, so one shared instance would give every layer of the
    same shape the same weights, whatever seed the notebook sets later."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def upsample(channels, init=None, synchronized=False):
    """×2 by a transposed convolution, then batch norm and ReLU.

    init: the kernel's initializer, DCGAN's when None; synchronized: lesson 08."""
    return [layers.Conv2DTranspose(channels, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=init or dcgan_init()),
            layers.BatchNormalization(synchronized=synchronized), layers.ReLU()]


def build_generator(latent_dim=LATENT_DIM, width=WIDTH, init=None, synchronized=False):
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(7 * 7 * 4 * width, use_bias=False, kernel_initializer=init or dcgan_init()),
        layers.BatchNormalization(synchronized=synchronized), layers.ReLU(),
        layers.Reshape((7, 7, 4 * width)),                           # 7 × 7
        *upsample(2 * width, init, synchronized),                    # 14 × 14
        *upsample(width, init, synchronized),                        # 28 × 28
        layers.Conv2D(1, 3, padding="same", activation="tanh",
                      kernel_initializer=init or dcgan_init(),
                      dtype="float32"),  # pixels in float32 under any precision (lesson 08)
    ], name="generator")


def build_discriminator(width=WIDTH, init=None, batch_norm=True, synchronized=False,
                        name="discriminator"):
    """batch_norm=False gives lesson 04's critic (the convolution then keeps its bias)."""
    normalization = [layers.BatchNormalization(synchronized=synchronized)] if batch_norm else []
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(width, 4, strides=2, padding="same",
                      kernel_initializer=init or dcgan_init()),                       # 14 × 14
        layers.LeakyReLU(0.2),
        layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=not batch_norm,
                      kernel_initializer=init or dcgan_init()),                       # 7 × 7
        *normalization, layers.LeakyReLU(0.2),
        layers.Flatten(),
        layers.Dense(1, kernel_initializer=init or dcgan_init(), dtype="float32"),     # logit
    ], name=name)
