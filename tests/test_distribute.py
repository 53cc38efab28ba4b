"""`gan_utils.GAN` under `tf.distribute.MirroredStrategy` on two logical CPUs (lesson 08)."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import LOGICAL_CPUS
from test_losses import squared_norm_of_images
from test_model import make_gan

from gan_utils import losses, scaling


@pytest.fixture(scope="module")
def strategy():
    return tf.distribute.MirroredStrategy(LOGICAL_CPUS)


@pytest.fixture
def real_batches():
    points = np.random.default_rng(0).normal(2.0, 0.1, size=(96, 3)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(points).batch(32)  # global batches of 32


def test_mirrored_training_matches_one_device(strategy, real_batches):
    # Same weights, same batches, same seed: two replicas of 16 must reproduce one device of 32.
    one_device = make_gan()
    single = one_device.fit(real_batches, epochs=2, verbose=0, shuffle=False).history
    with strategy.scope():
        mirrored_gan = make_gan()
    mirrored = mirrored_gan.fit(real_batches, epochs=2, verbose=0, shuffle=False).history

    assert mirrored_gan.distribute_strategy.num_replicas_in_sync == 2
    for name in ("d_loss", "g_loss"):  # the trackers report the true mean, not half of it
        np.testing.assert_allclose(mirrored[name], single[name], rtol=1e-5)
    for a, b in zip(one_device.weights, mirrored_gan.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_replicas_draw_different_latents_that_add_up_to_one_devices(strategy):
    one_device = make_gan(seed=5).sample_latents(8).numpy()
    with strategy.scope():
        gan = make_gan(seed=5)
    per_replica = strategy.experimental_local_results(strategy.run(gan.sample_latents, (4,)))
    first, second = (replica.numpy() for replica in per_replica)
    assert not np.allclose(first, second)
    np.testing.assert_allclose(np.concatenate([first, second]), one_device, rtol=1e-6)


LOSSES = {
    "discriminator_loss": lambda real, fake: losses.discriminator_loss(real, fake),
    "generator_loss": lambda real, fake: losses.generator_loss(fake),
    "critic_loss": lambda real, fake: losses.critic_loss(real, fake),
    "wasserstein_generator_loss": lambda real, fake: losses.wasserstein_generator_loss(fake),
    "gradient_penalty": lambda real, fake: losses.gradient_penalty(
        squared_norm_of_images, real, fake, epsilon=tf.fill((4, 1, 1, 1), 0.3)),
}


@pytest.mark.parametrize("name", LOSSES)
def test_each_loss_is_a_replicas_share_of_the_global_mean(strategy, name):
    real = tf.reshape([0.5, 1.0, -2.0, 3.0], (4, 1, 1, 1))  # four one-pixel "images"
    fake = tf.reshape([-1.0, 0.2, 0.7, -0.3], (4, 1, 1, 1))
    on_one_device = float(LOSSES[name](real, fake))
    # Each replica sees the same batch, so its share is exactly half the one-device mean.
    shares = strategy.experimental_local_results(strategy.run(LOSSES[name], (real, fake)))
    assert [float(share) for share in shares] == pytest.approx([on_one_device / 2] * 2)


def test_split_cpu_after_devices_are_set_up_is_a_clear_error():
    assert scaling.split_cpu(2) == LOGICAL_CPUS  # already split: nothing to do
    with pytest.raises(RuntimeError, match="restart the kernel"):
        scaling.split_cpu(3)


def test_measure_throughput_times_only_the_steps_after_warm_up():
    gan = make_gan()
    points = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    batches = tf.data.Dataset.from_tensor_slices(points).batch(16).repeat()
    timing = scaling.measure_throughput(gan, batches, steps=5, warmup_steps=2)
    assert timing["steps"] == 5 and int(gan.g_optimizer.iterations) == 7
    assert timing["steps_per_second"] == pytest.approx(5 / timing["seconds"])
    with pytest.raises(ValueError, match="warmup_steps >= 1"):
        scaling.measure_throughput(gan, batches, steps=5, warmup_steps=0)


def test_time_in_turns_gives_each_model_its_median_round(monkeypatch):
    order, rounds = [], iter([0.3, 2.0, 0.1, 4.0, 0.2, 3.0])  # seconds of 10 steps, in turn
    def fake_throughput(model, dataset, steps, warmup_steps):
        order.append(model)
        assert steps == 10 and warmup_steps == 1
        return {"steps": steps, "seconds": next(rounds)}

    monkeypatch.setattr(scaling, "measure_throughput", fake_throughput)
    seconds = scaling.time_in_turns({"fast": "a", "slow": "b"}, None, steps=10)
    assert order == ["a", "b"] * 3  # in turns, not one model's rounds after another's
    assert seconds == pytest.approx({"fast": 0.02, "slow": 0.3})  # medians ÷ 10 steps


def test_time_in_turns_trains_every_model_its_steps():
    gans = {"first": make_gan(), "second": make_gan(seed=1)}
    points = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    batches = tf.data.Dataset.from_tensor_slices(points).batch(16).repeat()
    seconds = scaling.time_in_turns(gans, batches, steps=3, rounds=2)
    assert set(seconds) == {"first", "second"} and all(value > 0 for value in seconds.values())
    assert [int(gan.g_optimizer.iterations) for gan in gans.values()] == [8, 8]  # 2 × (1 + 3)

