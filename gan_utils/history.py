"""A history of generated images for the discriminators (introduced in lesson 05, CycleGAN).

Shrivastava et al. (2017) and Zhu et al. (2017) show each discriminator a mix of the newest
generated images and older ones, so it does not chase the generators' latest move and forget
what they did a few steps ago. The history keeps `size` images (50 in CycleGAN).
"""

import keras
from keras import ops

__all__ = ["ImageHistory"]


@keras.saving.register_keras_serializable(package="gan_utils")
class ImageHistory(keras.layers.Layer):
    """Returns, for each new image, either that image or a stored older one, and remembers it.

    Until the history is full, every new image is stored and returned unchanged. After that,
    each image with probability ½ is swapped for a random stored one (which it replaces), and
    otherwise passes through; no two images of a batch swap with the same stored one. The
    stored images are layer weights: they are saved with the model, so a resumed run continues
    with the same history.
    """

    def __init__(self, size=50, swap_probability=0.5, seed=0, **kwargs):
        super().__init__(**kwargs)
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.size = int(size)
        self.swap_probability = float(swap_probability)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        # One spare row at index `size`: images that are not stored are written there.
        self.images = self.add_weight(
            shape=(self.size + 1, *input_shape[1:]),
            initializer="zeros",
            trainable=False,
            name="images",
        )
        self.stored = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="stored"
        )

    def call(self, new_images):
        batch_size = ops.shape(new_images)[0]
        # While filling: image i goes to the next free slot and is returned as it is.
        slots = self.stored + ops.arange(batch_size, dtype="int32")
        filling = slots < self.size
        # Once full: swap with probability ½ for a stored image picked uniformly. Picks come
        # from the images stored before this batch (the batch that fills the history may
        # already swap, but not with the slots it is still writing).
        stored_before = self.stored
        coins = keras.random.uniform((batch_size,), seed=self.seed_generator)
        swapping = ops.logical_and(coins < self.swap_probability, ops.logical_not(filling))
        # Distinct slots for one batch: the stored slots in a random order, one per image, so
        # no two images of a batch swap with the same slot (one would be lost, the other
        # returned twice).
        # The k-th swapping image takes the k-th slot of that order; once the stored slots run
        # out (a batch larger than the history), the rest pass through.
        rank = ops.cumsum(ops.cast(swapping, "int32")) - 1
        swapping = ops.logical_and(swapping, rank < stored_before)
        keys = keras.random.uniform((self.size,), seed=self.seed_generator)
        keys = ops.where(ops.arange(self.size) < stored_before, keys, 2.0)  # empty slots last
        random_order = ops.cast(ops.argsort(keys), "int32")
        picks = ops.take(random_order, ops.clip(rank, 0, self.size - 1))

        older = ops.take(self.images, picks, axis=0)
        swap_mask = ops.reshape(swapping, (-1,) + (1,) * (len(new_images.shape) - 1))
        returned = ops.where(swap_mask, older, new_images)

        spare_row = ops.full_like(slots, self.size)
        targets = ops.where(filling, slots, ops.where(swapping, picks, spare_row))
        self.images.assign(ops.scatter_update(self.images, targets[:, None], new_images))
        self.stored.assign(ops.minimum(self.stored + batch_size, self.size))
        return returned

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, swap_probability=self.swap_probability, seed=self.seed)
        return config
