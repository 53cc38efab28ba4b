"""Spectral normalization (lesson 10): σ(W) ≈ 1 after training calls, measured by SVD."""

import keras
import numpy as np
from keras import layers

from gan_utils import spectral


def test_kernel_spectral_norm_is_the_largest_singular_value_of_the_reshaped_kernel():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 2, 5))
    expected = np.linalg.svd(kernel.reshape(18, 5), compute_uv=False).max()
    assert spectral.kernel_spectral_norm(kernel) == np.float64(expected)
    assert spectral.kernel_spectral_norm(np.diag([3.0, -7.0, 1.0])) == 7.0


def test_wrapped_kernel_reaches_unit_spectral_norm_after_training_calls():
    # Seeded: how fast power iteration converges depends on the kernel's drawn singular values,
    # which without a seed depend on what the tests before this one drew.
    keras.utils.set_random_seed(0)
    dense = layers.SpectralNormalization(
        layers.Dense(6, kernel_initializer=keras.initializers.RandomNormal(stddev=2.0)))
    x = np.ones((4, 10), np.float32)
    dense(x, training=False)  # builds it
    assert spectral.kernel_spectral_norm(dense.layer.kernel.numpy()) > 2
    for _ in range(30):  # one power-iteration step per call
        dense(x, training=True)
    assert abs(spectral.kernel_spectral_norm(dense.layer.kernel.numpy()) - 1) < 1e-3


def test_power_iteration_advances_only_in_training_calls():
    conv = layers.SpectralNormalization(layers.Conv2D(4, 3))
    x = np.ones((2, 6, 6, 3), np.float32)
    conv(x, training=False)
    u_before, kernel_before = conv.vector_u.numpy().copy(), conv.layer.kernel.numpy().copy()
    conv(x, training=False)
    np.testing.assert_array_equal(conv.vector_u.numpy(), u_before)
    np.testing.assert_array_equal(conv.layer.kernel.numpy(), kernel_before)
    conv(x, training=True)
    assert not np.array_equal(conv.vector_u.numpy(), u_before)
    assert not np.array_equal(conv.layer.kernel.numpy(), kernel_before)


def test_spectrally_normalized_wraps_every_weighted_layer_of_a_fresh_copy():
    network = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3), layers.LeakyReLU(),
                                layers.Flatten(), layers.Dense(1)], name="critic")
    wrapped = spectral.spectrally_normalized(network)
    kinds = [type(layer) for layer in wrapped.layers]
    assert kinds.count(layers.SpectralNormalization) == 2
    assert wrapped.output_shape == network.output_shape
    assert not any(w is v for w in wrapped.weights for v in network.weights)  # new weights
    norms = spectral.spectral_norms(wrapped)
    assert len(norms) == 2 and all(name.startswith("sn_") for name in norms)
    assert set(spectral.spectral_norms(network)) == {layer.name for layer in network.layers
                                                     if layer.weights}


def test_a_generators_transposed_convolutions_are_wrapped_too():
    # Keras 3's Conv2DTranspose is not a Conv2D subclass: it must be named on its own.
    network = keras.Sequential([keras.Input((4,)), layers.Dense(2 * 2 * 3),
                                layers.Reshape((2, 2, 3)),
                                layers.Conv2DTranspose(2, 4, strides=2, padding="same"),
                                layers.BatchNormalization(), layers.Conv2D(1, 3, padding="same")])
    wrapped = spectral.spectrally_normalized(network)
    inner = [type(layer.layer) for layer in wrapped.layers
             if isinstance(layer, layers.SpectralNormalization)]
    assert inner == [layers.Dense, layers.Conv2DTranspose, layers.Conv2D]
    assert wrapped.output_shape == network.output_shape == (None, 4, 4, 1)
    z = np.ones((3, 4), np.float32)
    for _ in range(30):
        wrapped(z, training=True)
    assert all(abs(sigma - 1) < 1e-2 for sigma in spectral.spectral_norms(wrapped).values())
