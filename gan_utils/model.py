"""The shared bases every lesson's model subclasses (introduced in lesson 01).

* `AdversarialModel` owns what every adversarial model needs and no GAN-specific math: its
  networks by role (generators, discriminators), two optimizers, loss trackers, a seeded random
  generator for `train_step`, and a `.keras` save/load round trip that restores both optimizers
  so training resumes. CycleGAN (lesson 05), which translates images and has no latent space,
  subclasses it directly.
* `GAN` adds a latent space: `latent_dim`, a fixed evaluation latent batch for progress
  pictures, `sample_latents` for `train_step` and `generate`, one signature for every lesson.

Both work unchanged under a `tf.distribute` strategy (lesson 08): each replica draws its own
slice of the latents, and the trackers report the true mean of losses that `keras.losses` and
`gan_utils.losses` return as each replica's share (batch mean / number of replicas).
"""

import keras
import numpy as np
import tensorflow as tf

from gan_utils import profiles

__all__ = ["GAN", "AdversarialModel", "recompute_batch_norm_statistics"]


@keras.saving.register_keras_serializable(package="gan_utils")
class AdversarialModel(keras.Model):
    """Generators and discriminators trained against each other by a subclass's `train_step`.

    Args:
        generator: a built Keras model, the generator role.
        discriminator: a built Keras model, the discriminator role.
        seed: seeds `seed_generator`, the random numbers `train_step` draws.
    """

    # The losses a subclass reports; each gets a `keras.metrics.Mean` tracker.
    loss_names = ("d_loss", "g_loss")
    # The attributes holding networks, saved in the config and trained by g_optimizer and
    # d_optimizer. A subclass with more networks extends them (CycleGAN, lesson 05: G and F, and
    # a discriminator per domain); its __init__ sets the extra attributes.
    generator_roles = ("generator",)
    discriminator_roles = ("discriminator",)
    # The gpu dry run compiles the step with XLA, as a GPU would (`compile`). A class whose step
    # XLA runs far too slowly on a CPU for the test suite sets this to False.
    xla_in_gpu_dry_run = True

    def __init__(self, generator, discriminator, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.check_built(generator=generator, discriminator=discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}
        self.built = True

    # -- Training plumbing -------------------------------------------------------------------

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Store both optimizers and build their state now (not lazily at the first step)."""
        # optimizer=None: no stray default RMSprop in self.optimizer.
        super().compile(optimizer=None, **kwargs)
        if (kwargs.get("jit_compile", "auto") == "auto" and profiles.gpu_dry_run()
                and self.xla_in_gpu_dry_run):
            # What "auto" picks on a GPU, outside tf.distribute: XLA, for a model whose layers
            # all support it (the setter checks). So the test suite compiles the steps a Colab
            # GPU compiles, which a CPU's "auto" never does.
            self.jit_compile = not tf.distribute.has_strategy()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Built up front so a saved model restores their slots and tf.distribute can mirror them.
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator_variables)

    @staticmethod
    def check_built(**networks):
        """Raise a clear error for a network without weights yet (role=network pairs)."""
        for role, network in networks.items():
            if not getattr(network, "built", False):
                raise ValueError(
                    f"the {role} is not built: give it an input shape (start it with "
                    "keras.Input(...)) or call it on a batch before creating the model."
                )

    @property
    def generator_variables(self):
        """What g_optimizer trains: the weights of every generator role."""
        return [v for role in self.generator_roles for v in getattr(self, role).trainable_variables]

    @property
    def discriminator_variables(self):
        """What d_optimizer trains: the weights of every discriminator role."""
        return [
            v for role in self.discriminator_roles for v in getattr(self, role).trainable_variables
        ]

    @property
    def metrics(self):
        # Listing the trackers here is what lets `fit` reset them at every epoch.
        return list(self.trackers.values())

    def update_trackers(self, **losses):
        """Record this step's losses; returns the running means `train_step` must return.

        Under a strategy with N replicas a loss from `keras.losses` or `gan_utils.losses` is
        this replica's batch mean / N (so that summed gradients are right): × N gives it back.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        for name, value in losses.items():
            self.trackers[name].update_state(value * replicas if replicas > 1 else value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @staticmethod
    def replica_share(draw, batch_size):
        """`draw(n)` for the global batch, cut to this replica's `batch_size` rows.

        Replicas share the seed generator, so each drawing its own batch would give them all
        the same random numbers. Drawn this way they get different ones, and N replicas see
        exactly what one device would draw for the whole global batch.
        """
        strategy = tf.distribute.get_strategy()
        if strategy.num_replicas_in_sync == 1:
            return draw(batch_size)
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        everything = draw(batch_size * strategy.num_replicas_in_sync)
        return everything[replica * batch_size : (replica + 1) * batch_size]

    def train_step(self, data):
        raise NotImplementedError(
            f"{type(self).__name__} must define train_step: each lesson writes its own."
        )

    def generate_eval_batch(self):
        """The images a progress grid (`callbacks.SampleGrid`) shows; each model says which."""
        raise NotImplementedError(
            f"{type(self).__name__} must define generate_eval_batch() for a progress grid."
        )

    # -- Saving and loading ------------------------------------------------------------------

    # Keras does not save a SeedGenerator's state: store it beside the model's own variables,
    # so a resumed run draws the same random numbers as an uninterrupted one.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["latent_sampler_state"] = self.seed_generator.state

    def load_own_variables(self, store):
        self.seed_generator.state.assign(store["latent_sampler_state"])
        own_variables = self._trainable_variables + self._non_trainable_variables
        for index, variable in enumerate(own_variables):
            variable.assign(store[f"{index}"])

    def get_config(self):
        config = super().get_config()
        for role in self.generator_roles + self.discriminator_roles:
            config[role] = keras.saving.serialize_keras_object(getattr(self, role))
        config["seed"] = self.seed
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for role in cls.generator_roles + cls.discriminator_roles:
            config[role] = keras.saving.deserialize_keras_object(config[role])
        return cls(**config)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
        }

    def compile_from_config(self, config):
        # Called by keras.saving.load_model before the weights (and optimizer slots) are loaded.
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
        )


@keras.saving.register_keras_serializable(package="gan_utils")
class GAN(AdversarialModel):
    """An adversarial model whose generator draws samples from latent vectors z ~ N(0, I).

    Args:
        generator: a built Keras model mapping z to samples.
        discriminator: a built Keras model mapping samples to logits (or scores).
        latent_dim: size of z; read from the generator's input when omitted. Required when
            the generator has several inputs (a conditional G(z, y), lesson 03).
        eval_size: how many latent vectors the fixed evaluation batch holds.
        seed: seeds the evaluation batch and the sampler used in `train_step`.
    """

    def __init__(self, generator, discriminator, latent_dim=None, eval_size=64, seed=0, **kwargs):
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        if latent_dim is None and isinstance(generator.input_shape, list):
            raise ValueError(
                f"the generator has {len(generator.input_shape)} inputs, so the size of z cannot "
                "be read from it: pass latent_dim=..."
            )
        self.latent_dim_given = latent_dim is not None
        # One z per sample: (latent_dim,), or e.g. (seeds, latent_dim) for lesson 06's ensemble.
        self.latent_shape = (int(latent_dim),) if latent_dim else tuple(generator.input_shape[1:])
        self.latent_dim = self.latent_shape[-1]
        self.eval_size = int(eval_size)
        # Same seed, same z: every progress grid of a run shows the same latent points.
        rng = np.random.default_rng(self.seed)
        self.eval_latents = rng.standard_normal((self.eval_size, *self.latent_shape))
        self.eval_latents = self.eval_latents.astype("float32")

    def sample_latents(self, batch_size):
        """z ~ N(0, I), drawn from the model's own seeded generator (this replica's share)."""
        return self.replica_share(
            lambda n: keras.random.normal((n, *self.latent_shape), seed=self.seed_generator),
            batch_size,
        )

    # -- Generation --------------------------------------------------------------------------

    def generator_inputs(self, latents, **conditions):
        """What G is called on for a batch of z: z itself. A conditional GAN adds its labels."""
        if conditions:
            raise TypeError(
                f"{type(self).__name__} is not conditional: generate() takes no "
                f"{', '.join(sorted(conditions))}"
            )
        return latents

    def call(self, z, training=False):
        """G(z)."""
        return self.generator(self.generator_inputs(z), training=training)

    def generate(self, n, seed=None, batch_size=500, **conditions):
        """n samples G(z) as a NumPy array; a `seed` makes them reproducible.

        `conditions` go to `generator_inputs` (e.g. `labels=` for a conditional GAN). G is
        called directly, batch by batch, in inference mode: no `predict` function to trace.
        """
        z = np.random.default_rng(seed).standard_normal((n, *self.latent_shape))
        inputs = self.generator_inputs(z.astype("float32"), **conditions)
        batches = []
        for start in range(0, n, batch_size):
            batch = tf.nest.map_structure(lambda x, s=start: x[s : s + batch_size], inputs)
            batches.append(keras.ops.convert_to_numpy(self.generator(batch, training=False)))
        return np.concatenate(batches)

    def generate_eval_batch(self):
        """G(z) for the fixed evaluation latents."""
        inputs = self.generator_inputs(self.eval_latents)
        return keras.ops.convert_to_numpy(self.generator(inputs, training=False))

    def use_weight_average(self, batches=None, batch_size=500, seed=0):
        """Swap G's weights for the optimizer's average and refit batch norm's statistics.

        `g_optimizer` must have been made with `use_ema=True`. Keras averages only the
        trainable weights; batch norm's moving mean and variance still describe the last
        weights, so they are recomputed for the averaged ones from `batches` batches of z:
        20 (10,000 z) unless given, 2 in a run that only checks the code (smoke, dry run).
        """
        if not getattr(self.g_optimizer, "use_ema", False):
            raise ValueError("g_optimizer keeps no weight average: create it with use_ema=True")
        if batches is None:
            batches = 2 if profiles.quick_run() else 20
        self.g_optimizer.finalize_variable_values(self.generator_variables)  # θ ← θ̄
        rng = np.random.default_rng(seed)
        inputs = [self.training_like_inputs(rng, batch_size) for _ in range(batches)]
        recompute_batch_norm_statistics(self.generator, inputs)

    def training_like_inputs(self, rng, batch_size):
        """A batch of G's inputs drawn as training draws them, from a NumPy generator: fresh z
        and the default conditions. A model whose defaults differ from training's (lesson 09's
        codes) draws its own here, so that batch norm's statistics fit what G was trained on."""
        z = rng.standard_normal((batch_size, *self.latent_shape)).astype("float32")
        return self.generator_inputs(z)

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim if self.latent_dim_given else None,
            eval_size=self.eval_size,
        )
        return config


def _batch_norm_layers(network):
    """Every BatchNormalization layer inside `network`, nested models included."""
    for layer in getattr(network, "layers", []):
        if isinstance(layer, keras.layers.BatchNormalization):
            yield layer
        else:
            yield from _batch_norm_layers(layer)


def recompute_batch_norm_statistics(network, batches):
    """Set every batch norm layer's moving statistics to their mean over `batches` of inputs.

    Batch i (from 0) is run in training mode with momentum i / (i + 1), so each moving mean
    and variance ends as the plain average of the batches' own statistics ("precise BN").
    Only the statistics change: no gradient is taken, no trainable weight moves.
    """
    layers = list(_batch_norm_layers(network))
    saved_momenta = [layer.momentum for layer in layers]
    try:
        for index, batch in enumerate(batches):
            for layer in layers:
                layer.momentum = index / (index + 1)  # new = old · i/(i+1) + batch/(i+1)
            network(batch, training=True)
    finally:
        for layer, momentum in zip(layers, saved_momenta, strict=True):
            layer.momentum = momentum
    return len(layers)
