"""Building blocks of progressive and style-based generators (lesson 11).

ProGAN (Karras et al. 2018, *Progressive Growing of GANs*):
* `EqualizedDense`, `EqualizedConv2D`: the *equalized learning rate*. Weights are stored as
  N(0, 1) and multiplied at run time by He's constant gain / √fan_in, so Adam's step, which
  is about the same size for every weight, changes every layer's output at the same rate.
* `PixelNorm`: each pixel's feature vector divided by its root mean square.
* `fade_in`: the blend (1 − α) · old + α · new that brings a new resolution in smoothly.

StyleGAN2 (Karras et al. 2020, *Analyzing and Improving the Image Quality of StyleGAN*):
* `ModulatedConv2D`: a convolution whose input channels are scaled by a per-sample style s,
  then *demodulated*, each output channel divided by the norm its weights would have, so a
  unit-variance input gives a unit-variance output whatever the style.
* `NoiseInput`: per-pixel Gaussian noise, scaled by a learned strength.
* `mix_styles`: style mixing, one w for the layers before a crossover, another after it.
* `truncate`: the truncation trick, w̄ + ψ (w − w̄).
"""

import math

import keras
from keras import layers, ops

__all__ = [
    "EqualizedConv2D", "EqualizedDense", "LearnedConstant", "ModulatedConv2D", "NoiseInput",
    "PixelNorm", "demodulation", "downsample", "fade_in", "mix_styles", "truncate",
]

HE_GAIN = math.sqrt(2.0)  # He et al. (2015): keeps the variance through a (leaky) ReLU


@keras.saving.register_keras_serializable(package="gan_utils")
class EqualizedDense(layers.Layer):
    """y = x · (c · W) + b, W ~ N(0, 1 / m²), c = m · gain / √fan_in, m the lr_multiplier.

    The lr_multiplier m slows a layer's learning by m: StyleGAN's mapping network uses 0.01.
    The bias starts at `bias_init` and is scaled by m too.
    """

    def __init__(self, units, gain=HE_GAIN, lr_multiplier=1.0, bias_init=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.gain = int(units), float(gain)
        self.lr_multiplier, self.bias_init = float(lr_multiplier), float(bias_init)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.scale = self.lr_multiplier * self.gain / math.sqrt(fan_in)  # c
        self.weight = self.add_weight(
            shape=(fan_in, self.units), name="weight",
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(
            shape=(self.units,), name="bias",
            initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier))

    def call(self, x):
        return ops.matmul(x, self.weight * self.scale) + self.bias * self.lr_multiplier

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "bias_init": self.bias_init}


def _add_unit_kernel_and_bias(layer, channels):
    """A convolution's kernel W ~ N(0, 1) (scaled at run time) and, if `use_bias`, a zero bias:
    what an equalized and a modulated convolution both store, in this order (saved models
    depend on it)."""
    size = layer.kernel_size
    layer.weight = layer.add_weight(
        shape=(size, size, channels, layer.filters), name="weight",
        initializer=keras.initializers.RandomNormal(stddev=1.0))
    layer.bias = (layer.add_weight(shape=(layer.filters,), name="bias", initializer="zeros")
                  if layer.use_bias else None)


@keras.saving.register_keras_serializable(package="gan_utils")
class EqualizedConv2D(layers.Layer):
    """A stride-1, "same"-padded convolution with kernel c · W, W ~ N(0, 1), c = gain / √fan_in,
    fan_in = kernel_size² · input channels."""

    def __init__(self, filters, kernel_size=3, gain=HE_GAIN, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size = int(filters), int(kernel_size)
        self.gain, self.use_bias = float(gain), bool(use_bias)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.scale = self.gain / math.sqrt(self.kernel_size**2 * channels)  # c
        _add_unit_kernel_and_bias(self, channels)

    def call(self, x):
        y = ops.conv(x, self.weight * self.scale, padding="same")
        return y + self.bias if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "gain": self.gain, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="gan_utils")
class PixelNorm(layers.Layer):
    """b_xy = a_xy / √(mean over channels of a_xy² + ε): every pixel's features at unit scale."""

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, x):
        return x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def fade_in(old, new, alpha):
    """(1 − α) · old + α · new: α = 0 is the network before it grew, α = 1 the grown one."""
    return (1.0 - alpha) * old + alpha * new


def downsample(images, factor):
    """Average each factor × factor square: the real images at a lower resolution."""
    if factor == 1:
        return images
    return ops.average_pool(images, pool_size=factor, strides=factor, padding="valid")


def demodulation(kernel, styles, epsilon=1e-8):
    """σ_j⁻¹ per sample and output channel: 1 / √(Σ_{i,k} (s_i · w_ijk)² + ε).

    kernel: (k, k, in, out); styles: (batch, in). Returns (batch, out).
    Σ_{i,k} s_i² w_ijk² = Σ_i s_i² (Σ_k w_ijk²): one matrix product, no per-sample kernel.
    """
    squared_norms = ops.sum(ops.square(kernel), axis=(0, 1))  # (in, out): Σ_k w_ijk²
    return ops.rsqrt(ops.matmul(ops.square(styles), squared_norms) + epsilon)


@keras.saving.register_keras_serializable(package="gan_utils")
class ModulatedConv2D(layers.Layer):
    """StyleGAN2's modulated convolution, called on [x, s] with x (B, H, W, in), s (B, in).

    Modulation scales the kernel's input channels by the sample's style, w'_ijk = s_i · w_ijk;
    demodulation divides each output channel by its norm, w''_ijk = w'_ijk / √(Σ_{i,k} w'_ijk²
    + ε). Computed as StyleGAN2's "non-fused" path: scale the input by s, convolve with the
    shared kernel, scale the output by σ_j⁻¹. It is the same function as a per-sample kernel,
    at the cost of one ordinary convolution.
    """

    def __init__(self, filters, kernel_size=3, demodulate=True, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size = int(filters), int(kernel_size)
        self.demodulate, self.use_bias = bool(demodulate), bool(use_bias)

    def build(self, input_shape):
        channels = int(input_shape[0][-1])
        self.scale = 1.0 / math.sqrt(self.kernel_size**2 * channels)  # equalized learning rate
        _add_unit_kernel_and_bias(self, channels)

    def call(self, inputs):
        x, styles = inputs
        kernel = self.weight * self.scale
        y = ops.conv(x * styles[:, None, None, :], kernel, padding="same")  # Σ_i s_i x_i * w_ij
        if self.demodulate:
            y = y * demodulation(kernel, styles)[:, None, None, :]  # ÷ σ_j per sample
        return y + self.bias if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "demodulate": self.demodulate,
                "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="gan_utils")
class LearnedConstant(layers.Layer):
    """StyleGAN's learned constant input: one (size, size, channels) tensor, N(0, 1) at the
    start, repeated for every sample of the batch it is called on (the styles, any shape)."""

    def __init__(self, size, channels, **kwargs):
        super().__init__(**kwargs)
        self.size, self.channels = int(size), int(channels)

    def build(self, input_shape):
        self.constant = self.add_weight(shape=(1, self.size, self.size, self.channels),
                                        name="constant",
                                        initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, batch_like):
        batch_size = ops.shape(batch_like)[0]
        return ops.tile(self.constant, (batch_size, 1, 1, 1))

    def get_config(self):
        return {**super().get_config(), "size": self.size, "channels": self.channels}


@keras.saving.register_keras_serializable(package="gan_utils")
class NoiseInput(layers.Layer):
    """x + strength · n, n ~ N(0, 1) one value per pixel shared by all channels; strength is
    learned and starts at 0 (StyleGAN2: one strength per layer)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.strength = self.add_weight(shape=(), name="strength", initializer="zeros")

    def call(self, x):
        shape = ops.shape(x)
        noise = keras.random.normal((shape[0], shape[1], shape[2], 1), seed=self.seed_generator)
        return x + self.strength * noise

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def mix_styles(first, second, crossover):
    """Per sample b: layers i < crossover[b] take first[b, i], the others second[b, i].

    first, second: (batch, layers, w_dim); crossover: (batch,) integers in [0, layers].
    """
    layer_index = ops.arange(ops.shape(first)[1])[None, :, None]  # (1, layers, 1)
    takes_first = layer_index < ops.reshape(ops.cast(crossover, "int32"), (-1, 1, 1))
    return ops.where(takes_first, first, second)


def truncate(w, w_mean, psi):
    """w̄ + ψ (w − w̄): ψ = 1 leaves w alone, ψ = 0 gives every sample the average style w̄."""
    return w_mean + psi * (w - w_mean)
