"""The shared base every lesson's GAN subclasses (introduced in lesson 01).

`GAN` owns what every GAN needs and no GAN-specific math: the two networks, two optimizers,
loss trackers, a fixed evaluation latent batch, generation, and a `.keras` save/load round trip
that restores both optimizers so training resumes. Each lesson writes its own `train_step`.

It works unchanged under a `tf.distribute` strategy (lesson 08): each replica draws its own
slice of the latents, and the trackers report the true mean of losses that `keras.losses` and
`gan_utils.losses` return as each replica's share (batch mean / number of replicas).
"""

import keras
import numpy as np
import tensorflow as tf

__all__ = ["GAN"]


@keras.saving.register_keras_serializable(package="gan_utils")
class GAN(keras.Model):
    """A generator G and a discriminator D trained by a subclass's `train_step`.

    Args:
        generator: a built Keras model mapping latent vectors z of shape (latent_dim,) to samples.
        discriminator: a built Keras model mapping samples to logits.
        latent_dim: size of z; read from the generator's input when omitted. Required when
            the generator has several inputs (a conditional G(z, y), lesson 03).
        eval_size: how many latent vectors the fixed evaluation batch holds.
        seed: seeds the evaluation batch and the sampler used in `train_step`.
    """

    # The losses a subclass reports; each gets a `keras.metrics.Mean` tracker.
    loss_names = ("d_loss", "g_loss")
    # The attributes holding networks, saved in the config and trained by g_optimizer and
    # d_optimizer. A subclass with more networks extends them (CycleGAN, lesson 05: G and F, and
    # a discriminator per domain); its __init__ sets the extra attributes.
    generator_roles = ("generator",)
    discriminator_roles = ("discriminator",)

    def __init__(self, generator, discriminator, latent_dim=None, eval_size=64, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.check_built(generator=generator, discriminator=discriminator)
        self.generator = generator
        self.discriminator = discriminator
        if latent_dim is None and isinstance(generator.input_shape, list):
            raise ValueError(
                f"the generator has {len(generator.input_shape)} inputs, so the size of z cannot "
                "be read from it: pass latent_dim=..."
            )
        self.latent_dim = int(latent_dim or generator.input_shape[-1])
        self.eval_size = int(eval_size)
        self.seed = int(seed)
        # Same seed, same z: every progress grid of a run shows the same latent points.
        rng = np.random.default_rng(self.seed)
        self.eval_latents = rng.standard_normal((self.eval_size, self.latent_dim)).astype("float32")
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}
        self.built = True

    # -- Training plumbing -------------------------------------------------------------------

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Store both optimizers and build their state now (not lazily at the first step)."""
        # optimizer=None: no stray default RMSprop in self.optimizer.
        super().compile(optimizer=None, **kwargs)
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
                    "keras.Input(...)) or call it on a batch before creating the GAN."
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

    def sample_latents(self, batch_size):
        """z ~ N(0, I), drawn from the model's own seeded generator (this replica's share)."""
        return self.replica_share(
            lambda n: keras.random.normal((n, self.latent_dim), seed=self.seed_generator),
            batch_size,
        )

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

    # -- Generation --------------------------------------------------------------------------

    def call(self, z, training=False):
        """G(z)."""
        return self.generator(z, training=training)

    def generate(self, n, batch_size=500, seed=None):
        """n samples G(z) as a NumPy array; a `seed` makes them reproducible."""
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.latent_dim)).astype("float32")
        return self.generator.predict(z, batch_size=batch_size, verbose=0)

    def generate_eval_batch(self):
        """G(z) for the fixed evaluation latents."""
        return keras.ops.convert_to_numpy(self.generator(self.eval_latents, training=False))

    # -- Saving and loading ------------------------------------------------------------------

    # Keras does not save a SeedGenerator's state: store it beside the model's own variables,
    # so a resumed run draws the same z as an uninterrupted one.
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
        config.update(
            latent_dim=self.latent_dim,
            eval_size=self.eval_size,
            seed=self.seed,
        )
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
