"""The lessons' exported models (gan_utils.lessons) train, save, and reload in a fresh process.

A model's configuration must live in its `get_config`, never in notebook globals: a process
that only imports the lesson's module must rebuild it from the `.keras` file, weights,
optimizer state and all.
"""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import scipy.stats

from gan_utils.lessons import (
    conditional_gan,
    dcgan,
    infogan,
    mode_collapse,
    modern_training,
    style_and_growth,
    vanilla_gan,
    wgan,
)


def digits(count=8, conditional=False):
    images = np.random.default_rng(0).uniform(-1, 1, (count, 28, 28, 1)).astype("float32")
    if conditional:
        return images, np.arange(count, dtype="int32") % 10
    return images


def adam_pair():
    return keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5)


def vanilla():
    return vanilla_gan.VanillaGAN(vanilla_gan.build_generator(),
                                  vanilla_gan.build_discriminator()), digits()


def dcgan_pair():
    return vanilla_gan.VanillaGAN(dcgan.build_generator(width=4),
                                  dcgan.build_discriminator(width=4)), digits()


def conditional():
    model = conditional_gan.ConditionalGAN(conditional_gan.build_generator(width=4),
                                           conditional_gan.build_discriminator(width=4),
                                           latent_dim=dcgan.LATENT_DIM, num_classes=10,
                                           eval_size=20)
    return model, digits(conditional=True)


def clipped_wgan():
    return wgan.WGAN(wgan.build_generator(), wgan.build_critic(), n_critic=2,
                     clip_value=0.02), digits(2 * 4)


def wgan_gp():
    return wgan.WGANGP(wgan.build_generator(), wgan.build_critic(), n_critic=2,
                       penalty_weight=3.0), digits(2 * 4)


def mixture_gan():
    seeds = 3  # the lesson's exported networks, packed D with minibatch std
    model = mode_collapse.MixtureGAN(
        mode_collapse.build_generator(seeds),
        mode_collapse.build_discriminator(seeds, pack=2, minibatch_std=True),
        pack=2, batch_size=8, scale=4.0)
    points = np.random.default_rng(1).normal(size=(8, seeds, 2)).astype("float32")
    return model, points


def info_gan():
    model = infogan.InfoGAN(infogan.build_generator(width=4),
                            infogan.build_discriminator(width=4), information_weight=0.5,
                            eval_size=20)
    return model, digits()


def modern_gan():
    """Every option of lesson 10 at once: spectral normalization, hinge, R1, DiffAugment."""
    model = modern_training.ModernGAN(
        dcgan.build_generator(width=4),
        modern_training.build_discriminator(width=4, normalization="spectral"),
        loss="hinge", r1_gamma=2.0, augment=True, eval_size=20)
    return model, digits()


def style_gan():
    """Lesson 11's StyleGAN2 at width 4, R1 on every second step, on 32 × 32 images."""
    model = style_and_growth.StyleGAN(style_and_growth.build_style_generator(width=4),
                                      style_and_growth.build_style_discriminator(width=4),
                                      mixing=0.5, r1_interval=2, eval_size=20)
    return model, np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")


MODELS = {"vanilla_gan": vanilla, "dcgan": dcgan_pair, "conditional_gan": conditional,
          "wgan": clipped_wgan, "wgan_gp": wgan_gp, "mixture_gan": mixture_gan,
          "infogan": info_gan, "modern_gan": modern_gan, "style_gan": style_gan}

RELOAD = textwrap.dedent("""
    import json, sys
    import keras, numpy as np
    import gan_utils.lessons.conditional_gan, gan_utils.lessons.mode_collapse  # registers
    import gan_utils.lessons.vanilla_gan, gan_utils.lessons.wgan  # the lessons' classes
    import gan_utils.lessons.infogan, gan_utils.lessons.modern_training
    import gan_utils.lessons.style_and_growth
    folder = sys.argv[1]
    report = {}
    for name in json.loads(sys.argv[2]):
        model = keras.saving.load_model(f"{folder}/{name}.keras")
        saved = np.load(f"{folder}/{name}.npz")
        weights_equal = all(np.array_equal(saved[f"w{i}"], w)
                            for i, w in enumerate(model.get_weights()))
        report[name] = {"class": type(model).__module__ + "." + type(model).__name__,
                        "weights_equal": weights_equal,
                        "optimizer_steps": int(model.g_optimizer.iterations),
                        "config": {k: v for k, v in model.get_config().items()
                                   if isinstance(v, (int, float, str))},
                        "eval_batch_shape": list(model.generate_eval_batch().shape)}
    print(json.dumps(report))
""")


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lesson_models")
    trained = {}
    for name, make in MODELS.items():
        keras.utils.set_random_seed(0)
        model, batch = make()
        model.compile(*adam_pair())
        x, y = batch if isinstance(batch, tuple) else (batch, None)
        model.fit(x, y, batch_size=len(x), epochs=2, verbose=0, shuffle=False)  # 2 steps
        model.save(folder / f"{name}.keras")
        np.savez(folder / f"{name}.npz", **{f"w{i}": w for i, w in enumerate(model.get_weights())})
        trained[name] = model
    return folder, trained


def test_every_exported_model_reloads_in_a_fresh_process(saved_models):
    folder, trained = saved_models
    result = subprocess.run([sys.executable, "-c", RELOAD, str(folder), json.dumps(list(MODELS))],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for name, model in trained.items():
        reloaded = report[name]
        assert reloaded["class"] == type(model).__module__ + "." + type(model).__name__
        assert reloaded["weights_equal"], name
        assert reloaded["optimizer_steps"] == int(model.g_optimizer.iterations) == 2, name
        expected = {k: v for k, v in model.get_config().items() if isinstance(v, (int, float, str))}
        assert reloaded["config"] == expected, name
        assert reloaded["eval_batch_shape"] == list(model.generate_eval_batch().shape), name


def test_exported_configuration_survives_the_round_trip(saved_models):
    _, trained = saved_models
    assert trained["conditional_gan"].get_config()["num_classes"] == 10
    assert trained["wgan_gp"].get_config()["penalty_weight"] == 3.0
    assert trained["wgan"].get_config()["n_critic"] == 2
    mixture = trained["mixture_gan"]
    assert mixture.seeds == 3 and mixture.get_config()["scale"] == 4.0
    assert mixture.sample(5).shape == (5, 3, 2)
    info = trained["infogan"]
    assert info.get_config()["information_weight"] == 0.5
    assert info.latent_dim == infogan.NOISE_DIM  # z alone; the codes are drawn apart
    modern = trained["modern_gan"].get_config()
    assert (modern["loss"], modern["r1_gamma"], modern["augment"]) == ("hinge", 2.0, True)
    styled = trained["style_gan"].get_config()
    assert (styled["mixing"], styled["r1_interval"]) == (0.5, 2)


def kernels(network):
    return [weight.numpy() for weight in network.weights if "kernel" in weight.path]


@pytest.mark.parametrize("build", [dcgan.build_generator, dcgan.build_discriminator,
                                   conditional_gan.build_acgan_discriminator,
                                   infogan.build_discriminator])
def test_dcgan_initial_weights_follow_the_seed_and_differ_between_networks(build):
    # DCGAN's N(0, 0.02) (§4) from one initializer per layer: the seed set before building
    # decides the weights, and a second network built after the first gets other weights.
    keras.utils.set_random_seed(3)
    first, second = kernels(build()), kernels(build())
    keras.utils.set_random_seed(3)
    again = kernels(build())
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not any(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    stacked = np.concatenate([kernel.ravel() for kernel in first])
    assert abs(stacked.std() - 0.02) < 0.002 and abs(stacked.mean()) < 0.002


def test_acgan_class_loss_is_the_mean_negative_log_softmax_at_the_label():
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype="float32")
    labels = np.array([0, 2], dtype="int32")
    log_softmax_at_label = [2.0 - np.log(np.exp(2.0) + 2), -np.log(3.0)]
    loss = conditional_gan.class_loss(labels, logits)
    assert float(loss) == pytest.approx(-np.mean(log_softmax_at_label), rel=1e-6)


def test_infogan_information_loss_is_the_cross_entropy_plus_half_the_squared_error():
    model, _ = info_gan()
    categories = np.array([3, 7], dtype="int32")
    continuous = np.array([[0.5, -1.0], [0.0, 0.2]], dtype="float32")
    logits = np.zeros((2, infogan.NUM_CATEGORIES), "float32")
    logits[0, 3] = 2.0  # Q fairly sure of the right code for the first sample
    means = np.array([[0.0, -1.0], [0.4, 0.2]], dtype="float32")
    loss, bound = model.information_loss(np.concatenate([logits, means], axis=1),
                                         categories, continuous)
    log_q = [2.0 - np.log(np.exp(2.0) + 9), -np.log(10.0)]  # log softmax at the true code
    gaussian = np.mean([0.5 * 0.5**2, 0.5 * 0.4**2])  # ½ (c − μ)², summed over the codes
    assert float(loss) == pytest.approx(-np.mean(log_q) + gaussian, rel=1e-5)
    assert float(bound) == pytest.approx(np.log(10.0) + np.mean(log_q), rel=1e-5)


def test_infogan_code_sizes_and_continuous_weight_are_settings():
    categories, continuous_codes = 20, 1
    model = infogan.InfoGAN(
        infogan.build_generator(width=4, code_dim=categories + continuous_codes),
        infogan.build_discriminator(width=4, code_dim=categories + continuous_codes),
        num_categories=categories, num_continuous=continuous_codes, continuous_weight=0.1)
    inputs = model.generator_inputs(np.zeros((40, infogan.NOISE_DIM), "float32"))
    assert inputs.shape == (40, infogan.NOISE_DIM + categories + continuous_codes)
    assert set(inputs[:, infogan.NOISE_DIM:-1].argmax(axis=1)) == set(range(categories))
    logits = np.zeros((1, categories), "float32")  # Q undecided: cross-entropy log 20
    loss, bound = model.information_loss(np.concatenate([logits, [[0.0]]], axis=1),
                                         np.array([5], "int32"), np.array([[2.0]], "float32"))
    assert float(loss) == pytest.approx(np.log(20.0) + 0.1 * 0.5 * 2.0**2, rel=1e-5)
    assert float(bound) == pytest.approx(0.0, abs=1e-5)  # log K − log K


def test_infogan_networks_are_the_papers_with_one_body_under_both_heads():
    width, units = 4, 16
    generator = infogan.build_generator(width=width, dense_units=units)
    dense = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [units, 7 * 7 * 2 * width]  # FC 1024, FC 7·7·128
    assert generator.input_shape == (None, infogan.NOISE_DIM + infogan.CODE_DIM)
    assert generator.output_shape == (None, 28, 28, 1)
    discriminator = infogan.build_discriminator(width=width, dense_units=units)
    d_head, q_hidden = discriminator.get_layer("d_head"), discriminator.get_layer("q_hidden")
    assert d_head.input is q_hidden.input  # Q reads D's features: the body is shared
    assert d_head.input.shape == (None, units)
    logit, codes = discriminator(np.zeros((2, 28, 28, 1), "float32"))
    assert logit.shape == (2, 1) and codes.shape == (2, infogan.CODE_DIM)


@pytest.mark.parametrize("bad_code", [10, -1])
def test_infogan_refuses_a_categorical_code_outside_its_range(bad_code):
    model = infogan.InfoGAN(infogan.build_generator(width=4),
                            infogan.build_discriminator(width=4))
    z = np.zeros((3, infogan.NOISE_DIM), "float32")
    inputs = model.generator_inputs(z, categories=[0, 4, 9])
    np.testing.assert_array_equal(inputs[:, infogan.NOISE_DIM:-2].argmax(axis=1), [0, 4, 9])
    with pytest.raises(ValueError, match="0…9"):  # one_hot would give an all-zero code
        model.generator_inputs(z, categories=[0, bad_code, 9])


def test_mode_collapse_networks_have_one_copy_per_seed():
    seeds, pack = 3, 4
    generator = mode_collapse.build_generator(seeds)
    assert generator.input_shape == (None, seeds, mode_collapse.LATENT_DIM)
    assert generator.output_shape == (None, seeds, 2)  # a point per seed
    plain = mode_collapse.build_discriminator(seeds, pack=pack)
    assert plain.input_shape == (None, seeds, 2 * pack)  # pack points side by side
    assert plain.output_shape == (None, seeds, 1)
    with_std = mode_collapse.build_discriminator(seeds, minibatch_std=True)
    last_hidden = with_std.layers[-1].input.shape[-1]
    assert last_hidden == mode_collapse.HIDDEN + 1  # minibatch std adds one feature
    # each seed's copy has its own weights: seed 0's kernel alone changes seed 0's output
    points = np.random.default_rng(0).normal(size=(5, seeds, 2)).astype("float32")
    before = keras.ops.convert_to_numpy(plain(np.tile(points, (1, 1, pack))))
    kernel = plain.layers[0].kernel
    kernel.assign(keras.ops.convert_to_numpy(kernel) * np.array([2.0, 1.0, 1.0])[:, None, None])
    after = keras.ops.convert_to_numpy(plain(np.tile(points, (1, 1, pack))))
    assert not np.allclose(before[:, 0], after[:, 0])
    np.testing.assert_allclose(before[:, 1:], after[:, 1:], rtol=1e-6)


@pytest.mark.parametrize("seeds", [1, 4, 10])
def test_mode_collapse_copies_start_as_a_plain_dense_layer_would(seeds):
    # Glorot uniform for each seed's (inputs, units) kernel: limit √(6 / (inputs + units)),
    # whatever the number of seeds.
    inputs, units = 64, 128
    keras.utils.set_random_seed(0)
    layer = mode_collapse.EnsembleDense(units, seeds)
    layer.build((None, seeds, inputs))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    limit = np.sqrt(6 / (inputs + units))
    assert np.abs(kernel).max() <= limit
    np.testing.assert_allclose(kernel.std(axis=(1, 2)), limit / np.sqrt(3), rtol=0.05)


def test_mixture_gan_refuses_a_batch_it_cannot_pack():
    with pytest.raises(ValueError, match="not a multiple of pack 3"):
        mode_collapse.MixtureGAN(mode_collapse.build_generator(1),
                                 mode_collapse.build_discriminator(1, pack=3), pack=3,
                                 batch_size=256)


def test_infogan_noise_is_uniform_on_minus_one_one():
    # erf(z / √2) = 2Φ(z) − 1: N(0, 1)'s quartiles go to −½, 0, ½ ...
    quartiles = np.array([-0.6744898, 0.0, 0.6744898], "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(infogan.uniform_noise(quartiles)),
                               [-0.5, 0.0, 0.5], atol=1e-6)
    # ... and a standard normal sample becomes a uniform one
    z = np.random.default_rng(0).standard_normal(50_000).astype("float32")
    noise = keras.ops.convert_to_numpy(infogan.uniform_noise(z))
    assert scipy.stats.kstest(noise, "uniform", args=(-1, 2)).pvalue > 0.01
    assert scipy.stats.kstest(z, "uniform", args=(-1, 2)).pvalue < 1e-6  # z itself is not


def test_infogan_gives_g_the_same_inputs_in_training_and_sampling():
    model, _ = info_gan()
    z = np.random.default_rng(1).standard_normal((3, infogan.NOISE_DIM)).astype("float32")
    categories, continuous = np.array([0, 4, 9]), np.full((3, 2), 0.5, "float32")
    sampled = model.generator_inputs(z, categories=categories, continuous=continuous)
    trained = model.generator_input(z, categories, continuous)  # what train_step feeds G
    np.testing.assert_allclose(sampled, keras.ops.convert_to_numpy(trained), atol=1e-6)
    np.testing.assert_allclose(sampled[:, :infogan.NOISE_DIM],
                               keras.ops.convert_to_numpy(infogan.uniform_noise(z)), atol=1e-6)


def test_infogan_inputs_put_the_codes_after_z():
    model, _ = info_gan()
    z = np.zeros((3, infogan.NOISE_DIM), "float32")
    inputs = model.generator_inputs(z, categories=[0, 4, 9],
                                    continuous=[[0.1, 0.2], [0.0, 0.0], [-1.0, 1.0]])
    assert inputs.shape == (3, infogan.NOISE_DIM + infogan.CODE_DIM)
    one_hot = inputs[:, infogan.NOISE_DIM:infogan.NOISE_DIM + infogan.NUM_CATEGORIES]
    np.testing.assert_array_equal(one_hot.argmax(axis=1), [0, 4, 9])
    np.testing.assert_allclose(inputs[2, -2:], [-1.0, 1.0])
    default = model.generator_inputs(np.zeros((20, infogan.NOISE_DIM), "float32"))
    rows = default[:, infogan.NOISE_DIM:infogan.NOISE_DIM + infogan.NUM_CATEGORIES].argmax(1)
    np.testing.assert_array_equal(rows, np.repeat(np.arange(10), 2))  # one code per grid row


def test_infogan_q_learns_to_read_the_code_in_the_control_too():
    """λ only weighs G's reward: Q trains in both, so the control's L_I is a measurement."""
    for weight in (0.0, 1.0):
        keras.utils.set_random_seed(0)
        model = infogan.InfoGAN(infogan.build_generator(width=4),
                                infogan.build_discriminator(width=4), information_weight=weight)
        model.compile(*adam_pair())
        before = [w.copy() for w in model.discriminator.get_layer("q_head").get_weights()]
        history = model.fit(digits(), batch_size=8, epochs=2, verbose=0, shuffle=False).history
        after = model.discriminator.get_layer("q_head").get_weights()
        assert not all(np.array_equal(a, b) for a, b in zip(before, after, strict=True)), weight
        assert max(history["lower_bound"]) <= np.log(infogan.NUM_CATEGORIES) + 1e-6


def test_infogan_batch_norm_statistics_come_from_training_like_codes():
    model, _ = info_gan()
    inputs = model.training_like_inputs(np.random.default_rng(0), 500)
    continuous = inputs[:, -infogan.NUM_CONTINUOUS:]
    assert continuous.min() < -0.9 and continuous.max() > 0.9  # U(-1, 1), not the grids' 0
    categories = inputs[:, infogan.NOISE_DIM:infogan.NOISE_DIM + infogan.NUM_CATEGORIES]
    assert set(categories.argmax(axis=1)) == set(range(infogan.NUM_CATEGORIES))


def test_modern_gan_rejects_unknown_settings_by_name():
    with pytest.raises(ValueError, match="loss must be one of"):
        modern_training.ModernGAN(dcgan.build_generator(width=4),
                                  dcgan.build_discriminator(width=4), loss="wasserstein")
    with pytest.raises(ValueError, match="normalization must be"):
        modern_training.build_discriminator(width=4, normalization="layer")


def test_modern_gan_reports_r1_only_when_it_is_on(saved_models):
    _, trained = saved_models
    assert float(trained["modern_gan"].trackers["r1_penalty"].result()) > 0
    keras.utils.set_random_seed(0)
    plain = modern_training.ModernGAN(dcgan.build_generator(width=4),
                                      modern_training.build_discriminator(width=4))
    plain.compile(*adam_pair())
    plain.fit(digits(), batch_size=8, epochs=1, verbose=0)
    assert float(plain.trackers["r1_penalty"].result()) == 0.0


def test_discriminator_probe_measures_sigma_and_the_overfitting_gap(saved_models):
    _, trained = saved_models
    probe = modern_training.DiscriminatorProbe(digits(6), -digits(6))
    probe.set_model(trained["modern_gan"])
    probe.on_epoch_end(0)
    (norms,) = probe.spectral_norms
    assert len(norms) == 3 and all(value > 0 for value in norms.values())
    assert len(probe.gap) == len(probe.r_t) == 1 and -1 <= probe.r_t[0] <= 1


def test_stylegan_applies_r1_lazily_on_every_kth_step_only(saved_models):
    _, trained = saved_models
    model = trained["style_gan"]
    history = model.fit(np.zeros((4, 32, 32, 1), "float32"), batch_size=4, epochs=4, verbose=0,
                        shuffle=False)  # D's steps 2, 3, 4, 5 (two were taken before)
    penalties = np.asarray(history.history["r1_penalty"])
    assert np.all(penalties[[1, 3]] == 0) and np.all(penalties[[0, 2]] > 0), penalties


def test_stylegan_mixes_styles_for_a_share_of_the_batch():
    keras.utils.set_random_seed(0)
    model = style_gan()[0]
    styles = keras.ops.convert_to_numpy(model.mixed_styles(400))  # (batch, layers, w_dim)
    switched = np.any(styles[:, 1:] != styles[:, :1], axis=(1, 2))  # any layer not w₁
    assert 0.4 < switched.mean() < 0.6  # mixing = 0.5
    first_change = np.argmax(np.any(styles[:, 1:] != styles[:, :-1], axis=2), axis=1) + 1
    layers_after = [np.all(styles[i, first_change[i]:] == styles[i, -1]) for i in range(400)]
    assert all(layers_after)  # one crossover: w₂ from there to the last layer


def test_stylegan_in_colour_draws_and_judges_three_channels():
    keras.utils.set_random_seed(0)
    model = style_and_growth.StyleGAN(
        style_and_growth.build_style_generator(width=4, image_channels=3),
        style_and_growth.build_style_discriminator(width=4, image_channels=3), eval_size=4)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    photos = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    history = model.fit(photos, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])
    samples = model.generate(5, seed=0)
    assert samples.shape == (5, 32, 32, 3)
    colours = samples.reshape(-1, 3)  # three channels that differ, not one copied three times
    assert not np.allclose(colours[:, 0], colours[:, 1])


def progan_at(stage, alpha, width=4):
    keras.utils.set_random_seed(0)
    model = style_and_growth.ProGAN(style_and_growth.GrowingGenerator(width),
                                    style_and_growth.GrowingDiscriminator(width))
    model.grow(stage)
    model.set_alpha(alpha)
    return model


def test_progan_draws_at_each_stages_resolution():
    for stage, size in enumerate(style_and_growth.RESOLUTIONS):
        model = progan_at(stage, 0.5)
        images = model.generator(model.eval_latents[:3])
        assert images.shape == (3, size, size, 1)
        assert model.discriminator(images).shape == (3, 1)


def test_a_fade_at_alpha_zero_computes_what_the_networks_computed_before_they_grew():
    grown, before = progan_at(1, 0.0), progan_at(0, 1.0)  # same seed: same weights
    z = grown.eval_latents[:3]
    old = keras.ops.convert_to_numpy(before.generator(z))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grown.generator(z)),
                               old.repeat(2, axis=1).repeat(2, axis=2), atol=1e-6)
    images16 = np.random.default_rng(2).uniform(-1, 1, (3, 16, 16, 1)).astype("float32")
    halved = keras.ops.convert_to_numpy(keras.ops.average_pool(images16, 2, 2))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grown.discriminator(images16)),
                               keras.ops.convert_to_numpy(before.discriminator(halved)),
                               rtol=1e-5, atol=1e-5)
    # ... and the real digits too: at α = 0 the 16 × 16 reals carry only 8 × 8 detail.
    reals = keras.ops.convert_to_numpy(grown.reals_at_stage(np.repeat(np.repeat(
        images16, 2, axis=1), 2, axis=2)))
    np.testing.assert_allclose(reals, halved.repeat(2, axis=1).repeat(2, axis=2), atol=1e-6)


def test_progan_trains_only_the_parts_its_stage_uses():
    model = progan_at(1, 0.5)
    parts = {part.name for part in model.generator.parts_in_use()}
    assert parts == {"g_base_8", "g_block_16", "to_rgb_8", "to_rgb_16"}
    parts = {part.name for part in model.discriminator.parts_in_use()}
    assert parts == {"d_head_8", "d_block_16", "from_rgb_8", "from_rgb_16"}
