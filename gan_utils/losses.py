"""Adversarial losses, written on logits (introduced in lesson 01; shared from lesson 02 on).

Lesson 01 derives these three in the notebook itself, as its subject; later lessons import
them from here.

Conventions of the course: real = 1, fake = 0, and networks output logits a with D = σ(a).
Each loss is the mean over the batch.
"""

import keras
from keras import ops

__all__ = ["discriminator_loss", "generator_loss", "minimax_generator_loss"]

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
