"""The shared bases `AdversarialModel` and `GAN`: training under fit, trackers, save/load,
resuming, generation and the weight average with batch norm refitted."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_utils import GAN, AdversarialModel
from gan_utils import model as model_module
from gan_utils.model import recompute_batch_norm_statistics

LATENT_DIM = 4


@keras.saving.register_keras_serializable(package="tests")
class LinearGAN(GAN):
    """The smallest real GAN step: non-saturating losses on tiny dense networks."""

    def train_step(self, real):
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        z = self.sample_latents(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(
                tf.zeros_like(fake_logits), fake_logits
            )
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, variables), variables)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = bce(tf.ones_like(fake_logits), fake_logits)
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, variables), variables)
        return self.update_trackers(d_loss=d_loss, g_loss=g_loss)


def make_gan(seed=0):
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([keras.Input((LATENT_DIM,)), keras.layers.Dense(3)])
    discriminator = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    gan = LinearGAN(generator, discriminator, eval_size=6, seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
    )
    return gan


@pytest.fixture
def real_points():
    return np.random.default_rng(0).normal(2.0, 0.1, size=(64, 3)).astype("float32")


def test_compile_leaves_no_stray_optimizer_and_builds_both(real_points):
    gan = make_gan()
    assert gan.optimizer is None
    # Built up front: slots exist before the first step (Adam: iterations, lr, 2 per variable).
    n_d = len(gan.discriminator.trainable_variables)
    assert len(gan.d_optimizer.variables) == 2 + 2 * n_d
    assert int(gan.d_optimizer.iterations) == 0


def test_subclass_trains_under_fit(real_points):
    gan = make_gan()
    before = gan.generate(256, seed=1).mean()
    history = gan.fit(real_points, batch_size=16, epochs=20, verbose=0, shuffle=False)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert np.all(np.isfinite(history.history["d_loss"]))
    assert int(gan.d_optimizer.iterations) == int(gan.g_optimizer.iterations) == 80
    # G moved its samples toward the real points around 2.0.
    after = gan.generate(256, seed=1).mean()
    assert abs(after - 2.0) < abs(before - 2.0) - 0.5


def test_metrics_are_the_trackers_and_reset_each_epoch(real_points):
    gan = make_gan()
    assert [m.name for m in gan.metrics] == ["d_loss", "g_loss"]
    seen = []

    class CountAtEpochEnd(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(int(gan.trackers["d_loss"].count))

    gan.fit(real_points, batch_size=16, epochs=3, verbose=0, callbacks=[CountAtEpochEnd()])
    # Reset at every epoch start: each epoch's mean covers its own 4 batches only.
    assert seen == [4, 4, 4]


def test_train_step_must_be_written_by_the_subclass(real_points):
    generator = keras.Sequential([keras.Input((LATENT_DIM,)), keras.layers.Dense(3)])
    discriminator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator)
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(NotImplementedError, match="train_step"):
        gan.fit(real_points, batch_size=16, epochs=1, verbose=0)


def test_unbuilt_networks_are_a_clear_error():
    unbuilt = keras.Sequential([keras.layers.Dense(3)])
    built = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="the generator is not built"):
        GAN(unbuilt, built)


def test_call_generate_and_fixed_eval_batch():
    gan = make_gan(seed=3)
    assert gan.latent_dim == LATENT_DIM
    assert gan.eval_latents.shape == (6, LATENT_DIM)
    np.testing.assert_allclose(gan.generate_eval_batch(), gan(gan.eval_latents).numpy(), atol=1e-6)
    # The evaluation batch depends on the seed alone.
    np.testing.assert_array_equal(make_gan(seed=3).eval_latents, gan.eval_latents)
    assert gan.generate(10).shape == (10, 3)
    np.testing.assert_array_equal(gan.generate(5, seed=7), gan.generate(5, seed=7))


def test_save_load_round_trip_keeps_weights_and_optimizer_state(real_points, tmp_path):
    gan = make_gan()
    gan.fit(real_points, batch_size=16, epochs=2, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)

    assert isinstance(loaded, LinearGAN)
    for original, restored in zip(gan.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(original.numpy(), restored.numpy())
    for name in ("d_optimizer", "g_optimizer"):
        original, restored = getattr(gan, name), getattr(loaded, name)
        assert int(restored.iterations) == int(original.iterations) == 8
        assert restored.get_config() == original.get_config()
        for slot, restored_slot in zip(original.variables, restored.variables, strict=True):
            np.testing.assert_array_equal(slot.numpy(), restored_slot.numpy())
    np.testing.assert_array_equal(loaded.eval_latents, gan.eval_latents)


def test_resumed_training_continues_where_it_stopped(real_points, tmp_path):
    # One model trained 4 epochs straight; another trained 2, saved, loaded and trained 2 more.
    straight = make_gan()
    straight.fit(real_points, batch_size=16, epochs=4, verbose=0, shuffle=False)

    first_half = make_gan()
    first_half.fit(real_points, batch_size=16, epochs=2, verbose=0, shuffle=False)
    path = tmp_path / "half.keras"
    first_half.save(path)
    resumed = keras.saving.load_model(path)
    resumed.fit(real_points, batch_size=16, epochs=2, verbose=0, shuffle=False)

    assert int(resumed.d_optimizer.iterations) == 16
    # Same weights, Adam moments and sampler state: the resumed run retraces the straight one.
    for a, b in zip(straight.weights, resumed.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_backup_and_restore_resumes_an_interrupted_fit(real_points, tmp_path):
    # keras.callbacks.BackupAndRestore keeps the last finished epoch; a fresh process that runs
    # the same fit again starts from there, with both optimizers' state.
    straight = make_gan()
    straight.fit(real_points, batch_size=16, epochs=4, verbose=0, shuffle=False)

    def backup():
        return keras.callbacks.BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)

    interrupted = make_gan()
    interrupted.fit(real_points, batch_size=16, epochs=2, verbose=0, shuffle=False,
                    callbacks=[backup()])
    rerun = make_gan(seed=1)  # fresh weights: everything must come from the backup
    history = rerun.fit(real_points, batch_size=16, epochs=4, verbose=0, shuffle=False,
                        callbacks=[backup()])

    assert len(history.history["g_loss"]) == 2  # only epochs 3 and 4 ran
    assert int(rerun.g_optimizer.iterations) == int(rerun.d_optimizer.iterations) == 16
    for a, b in zip(straight.weights, rerun.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_generator_with_several_inputs_needs_latent_dim():
    z, label = keras.Input((4,)), keras.Input((1,))
    conditional = keras.Model([z, label], keras.layers.Concatenate()([z, label]))
    discriminator = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="has 2 inputs.*pass latent_dim"):
        GAN(conditional, discriminator)
    assert GAN(conditional, discriminator, latent_dim=4).eval_latents.shape == (64, 4)


@keras.saving.register_keras_serializable(package="tests")
class TwoWayGAN(AdversarialModel):
    """The adversarial base with four networks and no latents, as CycleGAN (lesson 05)."""

    generator_roles = ("generator", "inverse_generator")
    discriminator_roles = ("discriminator", "source_discriminator")

    def __init__(self, generator, discriminator, inverse_generator, source_discriminator, **kw):
        super().__init__(generator, discriminator, **kw)
        self.check_built(inverse_generator=inverse_generator)
        self.inverse_generator = inverse_generator
        self.source_discriminator = source_discriminator

    def train_step(self, data):
        a, b = data
        with tf.GradientTape() as tape:
            g_loss = tf.reduce_mean(tf.abs(self.inverse_generator(self.generator(a)) - a))
        self.g_optimizer.apply(tape.gradient(g_loss, self.generator_variables),
                               self.generator_variables)
        with tf.GradientTape() as tape:
            d_loss = tf.reduce_mean(tf.square(self.source_discriminator(a) - 1)) + tf.reduce_mean(
                tf.square(self.discriminator(b) - 1)
            )
        self.d_optimizer.apply(tape.gradient(d_loss, self.discriminator_variables),
                               self.discriminator_variables)
        return self.update_trackers(d_loss=d_loss, g_loss=g_loss)


def make_two_way_gan():
    keras.utils.set_random_seed(0)

    def dense(units):
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])

    gan = TwoWayGAN(dense(3), dense(1), inverse_generator=dense(3), source_discriminator=dense(1))
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return gan


def test_extra_roles_are_trained_by_the_optimizers_and_saved(real_points, tmp_path):
    gan = make_two_way_gan()
    # Adam: iterations, lr and 2 slots per variable; a Dense layer has a kernel and a bias.
    assert len(gan.g_optimizer.variables) == 2 + 2 * 4
    assert len(gan.d_optimizer.variables) == 2 + 2 * 4
    before = [v.numpy().copy() for v in gan.inverse_generator.weights]
    assert not hasattr(gan, "latent_dim")
    pairs = tf.data.Dataset.from_tensor_slices((real_points, real_points + 1)).batch(16)
    gan.fit(pairs, epochs=1, verbose=0, shuffle=False)
    assert not np.allclose(before[0], gan.inverse_generator.weights[0].numpy())
    assert not np.allclose(gan.source_discriminator.weights[0].numpy(), 0)
    gan.save(tmp_path / "two_way.keras")
    restored = keras.saving.load_model(tmp_path / "two_way.keras")
    for role in ("generator", "inverse_generator", "discriminator", "source_discriminator"):
        saved, loaded = getattr(gan, role).weights, getattr(restored, role).weights
        for original, reloaded in zip(saved, loaded, strict=True):
            np.testing.assert_array_equal(original.numpy(), reloaded.numpy())
    np.testing.assert_array_equal(
        gan.g_optimizer.variables[-1].numpy(), restored.g_optimizer.variables[-1].numpy()
    )


def test_a_model_without_an_eval_batch_says_so():
    with pytest.raises(NotImplementedError, match="generate_eval_batch"):
        make_two_way_gan().generate_eval_batch()


def test_generate_in_batches_equals_one_call_and_rejects_conditions():
    gan = make_gan()
    z = np.random.default_rng(4).standard_normal((7, LATENT_DIM)).astype("float32")
    np.testing.assert_allclose(gan.generate(7, seed=4, batch_size=3), gan(z).numpy(), atol=1e-6)
    with pytest.raises(TypeError, match="not conditional.*labels"):
        gan.generate(3, labels=[0, 1, 2])


@keras.saving.register_keras_serializable(package="tests")
class LabelledGAN(LinearGAN):
    """generator_inputs adds labels, as lesson 03's conditional GAN does."""

    def generator_inputs(self, latents, labels=None):
        labels = np.arange(len(latents)) % 2 if labels is None else np.asarray(labels)
        return [latents, labels.astype("int32")]


def test_conditions_reach_the_generator_through_generator_inputs():
    z_in = keras.Input((LATENT_DIM,))
    label_in = keras.Input((), dtype="int32")
    shifted = keras.layers.Add()([keras.layers.Dense(3)(z_in), keras.layers.Embedding(2, 3)(
        label_in)])
    generator = keras.Model([z_in, label_in], shifted)
    gan = LabelledGAN(generator, keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]),
                      latent_dim=LATENT_DIM, eval_size=4)
    zeros, ones = gan.generate(5, seed=2, labels=[0] * 5), gan.generate(5, seed=2, labels=[1] * 5)
    embedding = generator.layers[-2].embeddings.numpy()
    np.testing.assert_allclose(ones - zeros, np.tile(embedding[1] - embedding[0], (5, 1)),
                               atol=1e-5)
    # The eval batch uses the default labels 0, 1, 0, 1.
    z = gan.eval_latents
    expected = generator([z, np.array([0, 1, 0, 1], dtype="int32")]).numpy()
    np.testing.assert_allclose(gan.generate_eval_batch(), expected, atol=1e-6)


def test_latents_take_the_generator_input_shape():
    ensemble = keras.Sequential([keras.Input((5, 2)), keras.layers.Dense(2)])
    gan = GAN(ensemble, keras.Sequential([keras.Input((5, 2)), keras.layers.Dense(1)]),
              eval_size=3)
    assert gan.latent_shape == (5, 2) and gan.latent_dim == 2
    assert gan.eval_latents.shape == (3, 5, 2)
    assert gan.generate(4).shape == (4, 5, 2)
    assert gan.get_config()["latent_dim"] is None  # read from the generator again on load


def batch_norm_network():
    return keras.Sequential([keras.Input((2,)), keras.layers.BatchNormalization(momentum=0.9)])


def test_recomputed_statistics_are_the_mean_of_the_batches():
    network = batch_norm_network()
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 2.0, size=(50, 2)).astype("float32") for _ in range(4)]
    gamma_before = network.layers[0].gamma.numpy().copy()
    assert recompute_batch_norm_statistics(network, batches) == 1
    layer = network.layers[0]
    np.testing.assert_allclose(layer.moving_mean.numpy(),
                               np.mean([b.mean(axis=0) for b in batches], axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(),
                               np.mean([b.var(axis=0) for b in batches], axis=0), rtol=1e-4)
    np.testing.assert_array_equal(layer.gamma.numpy(), gamma_before)
    assert layer.momentum == 0.9  # restored


def test_use_weight_average_swaps_in_the_average_and_refits_batch_norm(real_points):
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((LATENT_DIM,)), keras.layers.Dense(3),
                                  keras.layers.BatchNormalization()])
    discriminator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    gan = LinearGAN(generator, discriminator)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                g_optimizer=keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.9))
    gan.fit(tf.data.Dataset.from_tensor_slices(real_points).batch(8), epochs=2, verbose=0,
            shuffle=False)
    averages = [v.numpy().copy() for v in gan.g_optimizer._model_variables_moving_average]
    gan.use_weight_average(batches=3, batch_size=64, seed=5)
    for weight, average in zip(gan.generator.trainable_variables, averages, strict=True):
        np.testing.assert_allclose(weight.numpy(), average, atol=1e-6)
    # The statistics now describe the averaged Dense layer's outputs on fresh z.
    rng = np.random.default_rng(5)
    dense_outputs = [generator.layers[0](rng.standard_normal((64, LATENT_DIM)).astype(
        "float32")).numpy() for _ in range(3)]
    np.testing.assert_allclose(generator.layers[1].moving_mean.numpy(),
                               np.mean([o.mean(axis=0) for o in dense_outputs], axis=0),
                               rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="use_ema=True"):
        make_gan().use_weight_average()


@pytest.mark.parametrize("profile, batches", [("cpu", 20), ("smoke", 2)])
def test_weight_average_refits_batch_norm_from_fewer_batches_only_in_a_quick_run(
        monkeypatch, profile, batches):
    monkeypatch.setenv("GAN_PROFILE", profile)
    monkeypatch.delenv("GAN_DRY_RUN", raising=False)
    generator = keras.Sequential([keras.Input((LATENT_DIM,)), keras.layers.Dense(3),
                                  keras.layers.BatchNormalization()])
    gan = LinearGAN(generator, keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]))
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                g_optimizer=keras.optimizers.Adam(1e-2, use_ema=True))
    refits = []
    monkeypatch.setattr(model_module, "recompute_batch_norm_statistics",
                        lambda network, inputs: refits.append(len(inputs)))
    gan.use_weight_average(batch_size=4)
    assert refits == [batches]


@pytest.mark.parametrize("profile, dry, jit_compile, under_strategy, compiled", [
    ("gpu", "1", "auto", False, True),     # the gpu dry run compiles as a GPU's "auto" would
    ("gpu", "1", "auto", True, False),     # ... which leaves XLA off under tf.distribute
    ("gpu", "1", False, False, False),     # a choice made in the code stands
    ("gpu", "", "auto", False, False),     # this CPU's own "auto": no XLA
    ("smoke", "1", "auto", False, False),  # only the gpu profile's dry run
    ("gpu", "1", "opt out", False, False),  # a class whose step is too slow under a CPU's XLA
])
def test_the_gpu_dry_run_compiles_training_steps_with_xla_as_a_gpu_would(
        monkeypatch, real_points, profile, dry, jit_compile, under_strategy, compiled):
    monkeypatch.setenv("GAN_PROFILE", profile)
    monkeypatch.setenv("GAN_DRY_RUN", dry)
    monkeypatch.setattr(tf.distribute, "has_strategy", lambda: under_strategy)
    gan = make_gan()
    if jit_compile == "opt out":
        gan.xla_in_gpu_dry_run, jit_compile = False, "auto"
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2),
                jit_compile=jit_compile)
    assert gan.jit_compile is compiled
    if compiled:  # and the step does run under XLA
        history = gan.fit(real_points, batch_size=16, epochs=1, verbose=0, shuffle=False)
        assert np.isfinite(history.history["d_loss"][-1])
