"""Reusable code of Lesson 11 — Growing and styling generators: progressive growing, a small
StyleGAN2, and truncation.

Exported from the `# @save` cells of notebooks/11_style_and_growth.ipynb by
scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

import gan_utils
from gan_utils import losses, style
from gan_utils.lessons import mode_collapse

LATENT_DIM = 64
RESOLUTIONS = (8, 16, 32)  # the progressive stages


def channels_at(width):
    """Feature maps per resolution: `width` at 16 × 16, twice as many below, half above."""
    return {4: 2 * width, 8: 2 * width, 16: width, 32: width // 2}


def conv_leaky(filters, pixel_norm):
    """3 × 3 equalized convolution and leaky ReLU; G adds pixel norm, D does not."""
    block = [style.EqualizedConv2D(filters), layers.LeakyReLU(0.2)]
    return [*block, style.PixelNorm()] if pixel_norm else block


def progan_generator_parts(width):
    """G's base (z → 8 × 8 features), a block per later stage, and a toRGB per stage."""
    channels = channels_at(width)
    base = keras.Sequential([
        keras.Input((LATENT_DIM,)), style.PixelNorm(),
        style.EqualizedDense(4 * 4 * channels[4], gain=math.sqrt(2) / 4),  # as ProGAN's code
        layers.Reshape((4, 4, channels[4])), layers.LeakyReLU(0.2), style.PixelNorm(),
        *conv_leaky(channels[4], True),                                     # 4 × 4
        layers.UpSampling2D(), *conv_leaky(channels[8], True), *conv_leaky(channels[8], True),
    ], name="g_base_8")                                                     # 8 × 8
    blocks = [keras.Sequential([
        keras.Input((r // 2, r // 2, channels[r // 2])), layers.UpSampling2D(),
        *conv_leaky(channels[r], True), *conv_leaky(channels[r], True),
    ], name=f"g_block_{r}") for r in RESOLUTIONS[1:]]
    to_rgb = [keras.Sequential([keras.Input((r, r, channels[r])),
                                style.EqualizedConv2D(1, kernel_size=1, gain=1.0)],
                               name=f"to_rgb_{r}") for r in RESOLUTIONS]
    return base, blocks, to_rgb


def progan_discriminator_parts(width):
    """D's fromRGB per stage, a block per later stage (r → r / 2), and its 8 × 8 head."""
    channels = channels_at(width)
    from_rgb = [keras.Sequential([keras.Input((r, r, 1)),
                                  style.EqualizedConv2D(channels[r], kernel_size=1),
                                  layers.LeakyReLU(0.2)], name=f"from_rgb_{r}")
                for r in RESOLUTIONS]
    blocks = [keras.Sequential([
        keras.Input((r, r, channels[r])), *conv_leaky(channels[r], False),
        *conv_leaky(channels[r // 2], False), layers.AveragePooling2D(2),
    ], name=f"d_block_{r}") for r in RESOLUTIONS[1:]]
    head = keras.Sequential([
        keras.Input((8, 8, channels[8])), *conv_leaky(channels[8], False),
        layers.AveragePooling2D(2), layers.Flatten(),                       # 4 × 4 features
        layers.Reshape((1, -1)), mode_collapse.MinibatchStd(), layers.Flatten(),
        style.EqualizedDense(channels[4]), layers.LeakyReLU(0.2),
        style.EqualizedDense(1, gain=1.0),                                  # logit
    ], name="d_head_8")
    return from_rgb, blocks, head


def upsample_nearest(images):
    """×2 by repeating every pixel (its gradient is a sum: cheap on a CPU)."""
    return ops.repeat(ops.repeat(images, 2, axis=1), 2, axis=2)


class GrowingNetwork(keras.Model):
    """What ProGAN's G and D share: the current stage and the fade-in's α."""

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width, self.stage = width, 0
        # α is a (non-trainable) variable, not a Python float, so that the traced training
        # step reads its current value at every step; ProGAN.set_alpha gives G and D the same.
        self.alpha = self.add_weight(shape=(), initializer="ones", trainable=False,
                                     name="alpha")

    @property
    def resolution(self):
        return RESOLUTIONS[self.stage]

    def trainable_in_use(self):
        return [weight for part in self.parts_in_use() for weight in part.trainable_variables]


class GrowingGenerator(GrowingNetwork):
    def __init__(self, width, **kwargs):
        super().__init__(width, **kwargs)
        self.base, self.blocks, self.to_rgb = progan_generator_parts(width)
        self.built = True  # every part starts with keras.Input, so has its weights already

    def parts_in_use(self):
        return [self.base, *self.blocks[:self.stage],
                *self.to_rgb[max(self.stage - 1, 0):self.stage + 1]]

    def call(self, z, training=False):
        features = self.base(z, training=training)  # h_8
        image = self.to_rgb[0](features)
        for stage in range(1, self.stage + 1):
            features = self.blocks[stage - 1](features, training=training)  # h_r = B_r(h_r/2)
            new = self.to_rgb[stage](features)
            if stage == self.stage:  # (1 − α) up(toRGB_r/2(h_r/2)) + α toRGB_r(h_r)
                image = style.fade_in(upsample_nearest(image), new, self.alpha)
            else:  # an earlier block, fully faded in
                image = new
        return ops.tanh(image)


class GrowingDiscriminator(GrowingNetwork):
    def __init__(self, width, **kwargs):
        super().__init__(width, **kwargs)
        self.from_rgb, self.blocks, self.head = progan_discriminator_parts(width)
        self.built = True

    def parts_in_use(self):
        return [self.head, *self.blocks[:self.stage],
                *self.from_rgb[max(self.stage - 1, 0):self.stage + 1]]

    def call(self, images, training=False):
        features = self.from_rgb[self.stage](images)
        for stage in range(self.stage, 0, -1):
            features = self.blocks[stage - 1](features, training=training)  # r → r / 2
            if stage == self.stage:  # (1 − α) fromRGB_r/2(down(x)) + α B_r(fromRGB_r(x))
                skipped = self.from_rgb[stage - 1](style.downsample(images, 2))
                features = style.fade_in(skipped, features, self.alpha)
        return self.head(features, training=training)


@keras.saving.register_keras_serializable(package="lesson11")
class ProGAN(gan_utils.GAN):
    """Progressive growing: non-saturating loss and R1 (lesson 10) at the current stage."""

    loss_names = ("d_loss", "g_loss", "r1_penalty")

    def __init__(self, generator, discriminator, r1_gamma=1.0, **kwargs):
        super().__init__(generator, discriminator, latent_dim=LATENT_DIM, **kwargs)
        self.r1_gamma = float(r1_gamma)

    def grow(self, stage):
        """Move both networks to `stage`; the next fit traces a new training step."""
        if stage != self.generator.stage:
            for network in (self.generator, self.discriminator):
                network.stage = stage
            self.train_function = None

    def set_alpha(self, alpha):
        for network in (self.generator, self.discriminator):
            network.alpha.assign(alpha)

    def reals_at_stage(self, images):
        """x_r, and while fading in (1 − α) up(down(x_r)) + α x_r."""
        resolution = self.generator.resolution
        sharp = style.downsample(images, images.shape[1] // resolution)
        if self.generator.stage == 0:
            return sharp
        coarse = upsample_nearest(style.downsample(sharp, 2))
        return style.fade_in(coarse, sharp, self.generator.alpha)

    def train_step(self, images):
        real_images = self.reals_at_stage(images)
        batch_size = ops.shape(real_images)[0]

        # 1. D: min −log D(x) − log(1 − D(G(z))) + γ/2 ‖∇D(x)‖²
        fake_images = self.generator(self.sample_latents(batch_size), training=True)
        with tf.GradientTape() as tape:
            d_loss = losses.discriminator_loss(self.discriminator(real_images, training=True),
                                               self.discriminator(fake_images, training=True))
            penalty = losses.r1_penalty(self.discriminator, real_images, self.r1_gamma)
            total = d_loss + penalty
        d_weights = self.discriminator.trainable_in_use()
        self.d_optimizer.apply(tape.gradient(total, d_weights), d_weights)

        # 2. G: min −log D(G(z)), fresh z
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(
                self.generator(self.sample_latents(batch_size), training=True), training=True)
            g_loss = losses.generator_loss(fake_logits)
        g_weights = self.generator.trainable_in_use()
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
        return self.update_trackers(d_loss=d_loss, g_loss=g_loss, r1_penalty=penalty)

    def get_config(self):
        return {**super().get_config(), "r1_gamma": self.r1_gamma}


class FadeIn(keras.callbacks.Callback):
    """Sets α before each step of a fade of `fade_steps` steps, from 0 at the first to 1 at the
    last; `fade_steps=0` is a stable phase, α = 1 throughout. Records α, and G(z_eval) at
    `frames` evenly spread steps of the fade."""

    def __init__(self, fade_steps, frames=5):
        super().__init__()
        self.fade_steps = fade_steps
        self.frame_steps = (set(np.linspace(0, fade_steps - 1, frames).astype(int))
                            if fade_steps else set())
        self.alphas, self.frames = [], []

    def on_train_batch_begin(self, batch, logs=None):
        alpha = batch / max(self.fade_steps - 1, 1) if self.fade_steps else 1.0
        self.model.set_alpha(alpha)
        self.alphas.append(alpha)
        if batch in self.frame_steps:
            self.frames.append((alpha, self.model.generate_eval_batch()[:8]))


def progan_schedule(stable_steps, fade_steps):
    """[(stage, "fade" or "stable", steps)]: stable at 8 × 8, then fade and stable for 16, 32."""
    phases = [(0, "stable", stable_steps)]
    for stage in range(1, len(RESOLUTIONS)):
        phases += [(stage, "fade", fade_steps), (stage, "stable", stable_steps)]
    return phases


W_DIM = 64
MAPPING_LAYERS = 2


def build_mapping(latent_dim=LATENT_DIM, w_dim=W_DIM, depth=MAPPING_LAYERS):
    """f: z → w, pixel-normalized z through `depth` dense layers learning 100 × slower."""
    z = keras.Input((latent_dim,))
    h = style.PixelNorm()(z)
    for _ in range(depth):
        h = layers.LeakyReLU(0.2)(style.EqualizedDense(w_dim, lr_multiplier=0.01)(h))
    return keras.Model(z, h, name="mapping")


def styled_conv(features, w, filters, kernel_size=3, demodulate=True):
    """A(w) → s, then the modulated convolution of `features` with style s."""
    s = style.EqualizedDense(features.shape[-1], gain=1.0, bias_init=1.0)(w)  # s starts at 1
    return style.ModulatedConv2D(filters, kernel_size, demodulate=demodulate)([features, s])


def synthesis_layer(features, w, filters):
    """Modulated conv (with its bias), noise, leaky ReLU · √2."""
    features = style.NoiseInput()(styled_conv(features, w, filters))
    return layers.Rescaling(math.sqrt(2))(layers.LeakyReLU(0.2)(features))


def build_synthesis(width, w_dim=W_DIM, image_channels=1):
    """The skip generator: w per layer (batch, num_styles, w_dim) → a 32 × 32 image."""
    channels = channels_at(width)
    num_styles = 2 * len(channels)  # one per convolution, toRGB sharing the next one's
    styles = keras.Input((num_styles, w_dim))
    # Style 0: the 4 × 4 conv. Level ℓ = 1, 2, 3 (8, 16, 32): styles 2ℓ − 1 and 2ℓ for its
    # two convs. Each toRGB takes the next conv's style, 2ℓ + 1 (the last one, 7, its own).
    layer_styles = [styles[:, index] for index in range(num_styles)]
    features = style.LearnedConstant(4, channels[4])(styles)
    features = synthesis_layer(features, layer_styles[0], channels[4])          # 4 × 4
    image = styled_conv(features, layer_styles[1], image_channels, kernel_size=1,
                        demodulate=False)
    for level, resolution in enumerate(sorted(channels)[1:], start=1):
        features = layers.UpSampling2D()(features)                               # × 2
        features = synthesis_layer(features, layer_styles[2 * level - 1], channels[resolution])
        features = synthesis_layer(features, layer_styles[2 * level], channels[resolution])
        to_rgb = styled_conv(features, layer_styles[2 * level + 1], image_channels,
                             kernel_size=1, demodulate=False)
        image = layers.Add()([layers.UpSampling2D()(image), to_rgb])             # skip
    return keras.Model(styles, layers.Activation("tanh")(image), name="synthesis")


def build_style_generator(width, image_channels=1):
    """G(z) = synthesis(w, w, …, w) with w = mapping(z): what `generate` calls."""
    mapping, synthesis = build_mapping(), build_synthesis(width, image_channels=image_channels)
    z = keras.Input((LATENT_DIM,))
    styles = layers.RepeatVector(synthesis.input_shape[1])(mapping(z))
    return keras.Model(z, synthesis(styles), name="style_generator")


def residual_block(features, filters):
    """(conv, conv, ½ size) + 1 × 1 shortcut of the halved input, all ÷ √2."""
    shortcut = style.EqualizedConv2D(filters, kernel_size=1, gain=1.0, use_bias=False)(
        layers.AveragePooling2D(2)(features))
    features = layers.LeakyReLU(0.2)(style.EqualizedConv2D(features.shape[-1])(features))
    features = layers.LeakyReLU(0.2)(style.EqualizedConv2D(filters)(features))
    features = layers.AveragePooling2D(2)(features)
    return layers.Rescaling(1 / math.sqrt(2))(layers.Add()([features, shortcut]))


def build_style_discriminator(width, image_channels=1):
    channels = channels_at(width)
    images = keras.Input((32, 32, image_channels))
    features = layers.LeakyReLU(0.2)(style.EqualizedConv2D(channels[32], kernel_size=1)(images))
    for resolution in (32, 16, 8):
        features = residual_block(features, channels[resolution // 2])  # → resolution / 2
    features = layers.LeakyReLU(0.2)(style.EqualizedConv2D(channels[4])(features))  # 4 × 4
    features = layers.Reshape((1, -1))(layers.Flatten()(features))
    features = layers.Flatten()(mode_collapse.MinibatchStd()(features))
    features = layers.LeakyReLU(0.2)(style.EqualizedDense(channels[4])(features))
    return keras.Model(images, style.EqualizedDense(1, gain=1.0)(features),
                       name="style_discriminator")


@keras.saving.register_keras_serializable(package="lesson11")
class StyleGAN(gan_utils.GAN):
    """StyleGAN2's game: non-saturating loss, style mixing, lazy R1."""

    loss_names = ("d_loss", "g_loss", "r1_penalty")
    # XLA on a CPU runs these modulated convolutions too slowly for the test suite's gpu dry
    # run, which trains this step without it (a GPU's "auto" compiles it with XLA all the same).
    xla_in_gpu_dry_run = False

    def __init__(self, generator, discriminator, mixing=0.9, r1_gamma=1.0, r1_interval=4,
                 **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.mixing, self.r1_gamma = float(mixing), float(r1_gamma)
        self.r1_interval = int(r1_interval)
        self.mapping = generator.get_layer("mapping")
        self.synthesis = generator.get_layer("synthesis")
        self.num_styles = self.synthesis.input_shape[1]

    def styles_of(self, z):
        """w = f(z), repeated for every layer: (batch, num_styles, w_dim)."""
        return ops.repeat(self.mapping(z, training=True)[:, None], self.num_styles, axis=1)

    def mixed_styles(self, batch_size):
        """w₁ before a random crossover and w₂ after it, for a share `mixing` of the batch."""
        first = self.styles_of(self.sample_latents(batch_size))
        second = self.styles_of(self.sample_latents(batch_size))
        mixes = keras.random.uniform((batch_size,), seed=self.seed_generator) < self.mixing
        crossover = keras.random.randint((batch_size,), 1, self.num_styles,
                                         seed=self.seed_generator)
        return style.mix_styles(first, second, ops.where(mixes, crossover, self.num_styles))

    def lazy_r1(self, real_images):
        """k γ/2 ‖∇D(x)‖² on every k-th step of D, else 0 (without the double backward pass)."""
        due = ops.equal(self.d_optimizer.iterations % self.r1_interval, 0)
        weight = self.r1_gamma * self.r1_interval
        return tf.cond(due, lambda: losses.r1_penalty(self.discriminator, real_images, weight),
                       lambda: tf.zeros(()))

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]

        # 1. D: min −log D(x) − log(1 − D(G(w))) + lazy R1
        fake_images = self.synthesis(self.mixed_styles(batch_size), training=True)
        with tf.GradientTape() as tape:
            d_loss = losses.discriminator_loss(self.discriminator(real_images, training=True),
                                               self.discriminator(fake_images, training=True))
            penalty = self.lazy_r1(real_images)
            total = d_loss + penalty
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(total, d_weights), d_weights)

        # 2. G (mapping and synthesis): min −log D(G(w)), fresh mixed styles
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(
                self.synthesis(self.mixed_styles(batch_size), training=True), training=True)
            g_loss = losses.generator_loss(fake_logits)
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
        return self.update_trackers(d_loss=d_loss, g_loss=g_loss, r1_penalty=penalty)

    def synthesize(self, styles, batch_size=500):
        """synthesis(styles) in inference mode, batch by batch, as NumPy."""
        return np.concatenate([
            ops.convert_to_numpy(self.synthesis(styles[start:start + batch_size],
                                                training=False))
            for start in range(0, len(styles), batch_size)])

    def styles_at(self, z, psi=1.0, w_mean=None):
        """f(z) for every layer, as NumPy; truncated to w̄ + ψ (f(z) − w̄) when ψ < 1."""
        w = ops.convert_to_numpy(self.mapping(z, training=False))
        if psi != 1.0:
            w = style.truncate(w, w_mean, psi)
        return np.repeat(w[:, None], self.num_styles, axis=1)

    def get_config(self):
        return {**super().get_config(), "mixing": self.mixing, "r1_gamma": self.r1_gamma,
                "r1_interval": self.r1_interval}
