"""Spectral normalization of a discriminator, and its measurement (lesson 10).

Miyato et al. (2018) divide each weight matrix W by its largest singular value σ(W), so every
layer is 1-Lipschitz (ReLU-like activations are too) and so is D, up to the layers without
weights. `keras.layers.SpectralNormalization` estimates σ(W) by one step of power iteration per
training call. Keras's wrapper then *overwrites* the kernel with W / σ(W), so the optimizer
updates the normalized kernel and the next training call normalizes it again (Miyato et al.
instead keep W and differentiate through W / σ(W)); the kernel a layer applies is the
normalized one, in training and in inference.

As Keras and the paper do, a convolution's kernel (kh, kw, in, out) counts as the matrix
(kh · kw · in) × out (a transposed convolution's, stored (kh, kw, out, in), as
(kh · kw · out) × in); its σ bounds the kernel matrix, not exactly the convolution operator.
"""

import keras
import numpy as np
from keras import layers

__all__ = ["kernel_spectral_norm", "spectral_norms", "spectrally_normalized"]

# Keras 3's Conv2DTranspose is not a Conv2D subclass: it is named on its own.
WEIGHTED_LAYERS = (layers.Conv2D, layers.Conv2DTranspose, layers.Dense)


def kernel_spectral_norm(kernel):
    """σ(W): the largest singular value of the kernel as a matrix (…) × out, by SVD."""
    matrix = np.asarray(kernel, dtype="float64").reshape(-1, np.shape(kernel)[-1])
    return float(np.linalg.svd(matrix, compute_uv=False)[0])


def _kernel_of(layer):
    inner = layer.layer if isinstance(layer, layers.SpectralNormalization) else layer
    return inner.kernel if isinstance(inner, WEIGHTED_LAYERS) else None


def spectral_norms(network):
    """{layer name: σ of the kernel it applies} for every Conv2D and Dense layer, wrapped or not."""
    norms = {}
    for layer in network.layers:
        kernel = _kernel_of(layer)
        if kernel is not None:
            norms[layer.name] = kernel_spectral_norm(keras.ops.convert_to_numpy(kernel))
    return norms


def spectrally_normalized(network, power_iterations=1, name=None):
    """A fresh copy of a `keras.Sequential` whose Conv2D and Dense layers are spectrally
    normalized; same layers and settings, new weights drawn by the same initializers."""
    rebuilt = []
    for layer in network.layers:
        copy = type(layer).from_config(layer.get_config())
        if isinstance(copy, WEIGHTED_LAYERS):
            copy = layers.SpectralNormalization(copy, power_iterations=power_iterations,
                                                name=f"sn_{layer.name}")
        rebuilt.append(copy)
    return keras.Sequential([keras.Input(network.input_shape[1:]), *rebuilt],
                            name=name or f"{network.name}_sn")
