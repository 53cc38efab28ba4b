"""gan_utils.style: ProGAN's and StyleGAN2's building blocks, checked against their formulas."""

import math

import keras
import numpy as np
import pytest

from gan_utils import style


def test_equalized_dense_computes_x_times_he_scaled_weights_plus_bias():
    layer = style.EqualizedDense(3, bias_init=0.5)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    weight = keras.ops.convert_to_numpy(layer.weight)
    np.testing.assert_allclose(y, x @ (weight * math.sqrt(2 / 5)) + 0.5, rtol=1e-5, atol=1e-6)


def test_equalized_weights_are_stored_at_unit_scale_and_the_lr_multiplier_divides_it():
    keras.utils.set_random_seed(0)
    plain = style.EqualizedDense(200)
    slow = style.EqualizedDense(200, lr_multiplier=0.01)
    plain.build((None, 200))
    slow.build((None, 200))
    assert np.std(keras.ops.convert_to_numpy(plain.weight)) == pytest.approx(1.0, rel=0.02)
    assert np.std(keras.ops.convert_to_numpy(slow.weight)) == pytest.approx(100.0, rel=0.02)
    # The applied weights have He's scale √(2 / fan_in) in both: only the learning rate differs.
    assert plain.scale == pytest.approx(math.sqrt(2 / 200))
    assert slow.scale == pytest.approx(0.01 * math.sqrt(2 / 200))


def test_equalized_conv_applies_the_kernel_times_gain_over_root_fan_in():
    layer = style.EqualizedConv2D(2, kernel_size=3, gain=1.0)
    x = np.random.default_rng(1).standard_normal((2, 6, 6, 4)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    kernel = keras.ops.convert_to_numpy(layer.weight) / math.sqrt(3 * 3 * 4)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.zeros_like(y)
    for i in range(6):
        for j in range(6):
            expected[:, i, j] = np.einsum("bkli,klio->bo", padded[:, i:i + 3, j:j + 3], kernel)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_pixel_norm_gives_every_pixels_feature_vector_unit_mean_square():
    x = np.random.default_rng(2).standard_normal((3, 4, 4, 8)).astype("float32") * 7
    y = keras.ops.convert_to_numpy(style.PixelNorm()(x))
    np.testing.assert_allclose(np.mean(y**2, axis=-1), 1.0, rtol=1e-5)
    # Only the length changes: the direction of each feature vector is kept.
    np.testing.assert_allclose(y / np.linalg.norm(y, axis=-1, keepdims=True),
                               x / np.linalg.norm(x, axis=-1, keepdims=True), atol=1e-6)


def test_fade_in_is_old_at_zero_new_at_one_and_linear_between():
    old, new = np.full((1, 2), 2.0), np.full((1, 2), 6.0)
    assert np.all(style.fade_in(old, new, 0.0) == 2.0)
    assert np.all(style.fade_in(old, new, 1.0) == 6.0)
    assert np.all(style.fade_in(old, new, 0.25) == 3.0)


def test_downsample_averages_each_square():
    images = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    half = keras.ops.convert_to_numpy(style.downsample(images, 2))[0, :, :, 0]
    np.testing.assert_allclose(half, [[2.5, 4.5], [10.5, 12.5]])
    assert style.downsample(images, 1) is images


def test_modulated_conv_with_unit_styles_and_no_demodulation_is_a_plain_convolution():
    keras.utils.set_random_seed(3)
    x = np.random.default_rng(3).standard_normal((2, 5, 5, 4)).astype("float32")
    modulated = style.ModulatedConv2D(3, demodulate=False)
    y = keras.ops.convert_to_numpy(modulated([x, np.ones((2, 4), "float32")]))
    plain = style.EqualizedConv2D(3, gain=1.0, use_bias=False)
    plain.build(x.shape)
    plain.weight.assign(modulated.weight)
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(plain(x)), rtol=1e-5, atol=1e-5)


def test_modulation_scales_input_channel_i_by_its_style():
    x = np.random.default_rng(4).standard_normal((1, 5, 5, 2)).astype("float32")
    layer = style.ModulatedConv2D(3, demodulate=False)
    styles = np.array([[2.0, -0.5]], "float32")
    scaled_input = x * styles[:, None, None, :]
    unit_styles = np.ones_like(styles)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer([x, styles])),
                               keras.ops.convert_to_numpy(layer([scaled_input, unit_styles])),
                               rtol=1e-5, atol=1e-5)


def test_demodulation_gives_unit_variance_output_for_unit_variance_input_whatever_the_style():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 40, 40, 16)).astype("float32")
    styles = rng.uniform(0.1, 5.0, (8, 16)).astype("float32")  # very different per sample
    layer = style.ModulatedConv2D(6, demodulate=True)
    y = keras.ops.convert_to_numpy(layer([x, styles]))[:, 1:-1, 1:-1]  # away from the padding
    per_map_variance = y.var(axis=(1, 2))  # (samples, output channels)
    np.testing.assert_allclose(per_map_variance, 1.0, atol=0.1)
    undemodulated = style.ModulatedConv2D(6, demodulate=False)
    undemodulated.build([x.shape, styles.shape])
    undemodulated.weight.assign(layer.weight)
    raw = keras.ops.convert_to_numpy(undemodulated([x, styles]))[:, 1:-1, 1:-1]
    assert raw.var(axis=(1, 2)).max() > 3  # without it the style sets the output's scale


def test_demodulation_matches_the_norm_of_the_per_sample_kernel():
    rng = np.random.default_rng(6)
    kernel = rng.standard_normal((3, 3, 4, 5)).astype("float32")
    styles = rng.standard_normal((2, 4)).astype("float32")
    per_sample = kernel[None] * styles[:, None, None, :, None]  # w'_ijk = s_i w_ijk
    expected = 1 / np.sqrt(np.sum(per_sample**2, axis=(1, 2, 3)) + 1e-8)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(style.demodulation(kernel, styles)),
                               expected, rtol=1e-5)


def test_noise_input_adds_strength_times_one_noise_image_shared_by_the_channels():
    layer = style.NoiseInput(seed=0)
    x = np.zeros((2, 6, 6, 3), "float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)  # strength starts at 0
    layer.strength.assign(2.0)
    y = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(y[..., 0], y[..., 2])
    assert 1.5 < y.std() < 2.5
    assert not np.allclose(y, keras.ops.convert_to_numpy(layer(x)))  # a fresh draw per call


def test_mix_styles_switches_from_first_to_second_at_each_samples_crossover():
    first = np.zeros((3, 5, 2), "float32")
    second = np.ones((3, 5, 2), "float32")
    mixed = keras.ops.convert_to_numpy(style.mix_styles(first, second, np.array([0, 2, 5])))
    np.testing.assert_array_equal(mixed[:, :, 0], [[1, 1, 1, 1, 1],
                                                   [0, 0, 1, 1, 1],
                                                   [0, 0, 0, 0, 0]])


def test_truncation_is_the_mean_at_psi_zero_and_identity_at_psi_one():
    w = np.array([[1.0, 3.0]])
    w_mean = np.array([0.0, 1.0])
    np.testing.assert_allclose(style.truncate(w, w_mean, 0.0), [[0.0, 1.0]])
    np.testing.assert_allclose(style.truncate(w, w_mean, 1.0), w)
    np.testing.assert_allclose(style.truncate(w, w_mean, 0.5), [[0.5, 2.0]])


def test_learned_constant_gives_every_sample_the_same_learned_tensor():
    layer = style.LearnedConstant(4, 3)
    out = keras.ops.convert_to_numpy(layer(np.zeros((5, 8, 2), "float32")))
    assert out.shape == (5, 4, 4, 3)
    np.testing.assert_array_equal(out[0], out[4])
    assert len(layer.trainable_variables) == 1 and 0.5 < out.std() < 2  # N(0, 1) at the start


@pytest.mark.parametrize("layer", [style.EqualizedDense(4, lr_multiplier=0.1, bias_init=1.0),
                                   style.EqualizedConv2D(4, kernel_size=1, use_bias=False),
                                   style.PixelNorm(epsilon=1e-6),
                                   style.ModulatedConv2D(4, kernel_size=1, demodulate=False),
                                   style.NoiseInput(seed=3), style.LearnedConstant(4, 2)])
def test_each_layer_round_trips_through_its_config(layer):
    copy = type(layer).from_config(layer.get_config())
    assert copy.get_config() == layer.get_config()
