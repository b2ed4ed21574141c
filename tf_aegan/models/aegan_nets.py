"""Encoder F, decoder G and discriminator D of AE-GAN (Table 6), for 28x28x1 and 64x64x3 images.

Table 6's decoder starts with FC(1024), which cannot reach 28x28 through three stride-2
transposed convolutions; like Defense-GAN's `mnist_generator` we use FC(4*4*256), upsample to
8x8, crop to 7x7, then 14x14 and 28x28. For 64x64 (CelebA) the decoder follows Defense-GAN's
`celeba_generator` (four stride-2 transposed convolutions), with a sigmoid so images stay in [0, 1].
D outputs a logit: Table 6's sigmoid lives in the loss, which is numerically safer.
"""

import keras
from keras import layers

SUPPORTED_SHAPES = ((28, 28, 1), (64, 64, 3))


def _check_shape(image_shape):
    image_shape = tuple(int(s) for s in image_shape)
    if image_shape not in SUPPORTED_SHAPES:
        raise ValueError(f"AE-GAN networks exist for images of shape {SUPPORTED_SHAPES}, not {image_shape}")
    return image_shape


def _conv_trunk(x):
    """Conv(64) LeakyReLU, then Conv(128) and Conv(256) with BatchNorm & LeakyReLU, all 5x5 stride 2."""
    x = layers.Conv2D(64, 5, strides=2, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    for filters in (128, 256):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Flatten()(x)


def build_encoder(image_shape=(28, 28, 1), latent_dim=128):
    """F: image -> latent code in [-1, 1]^latent_dim (FC + tanh)."""
    image_shape = _check_shape(image_shape)
    inputs = keras.Input(shape=image_shape, name="image")
    z = layers.Dense(latent_dim, activation="tanh", name="code")(_conv_trunk(inputs))
    return keras.Model(inputs, z, name="encoder")


def build_discriminator(image_shape=(28, 28, 1)):
    """D: image -> logit of being a real image."""
    image_shape = _check_shape(image_shape)
    inputs = keras.Input(shape=image_shape, name="image")
    logit = layers.Dense(1, name="logit")(_conv_trunk(inputs))
    return keras.Model(inputs, logit, name="discriminator")


def build_decoder(image_shape=(28, 28, 1), latent_dim=128, batchnorm=True):
    """G: latent code -> image in [0, 1]. `batchnorm=False` drops Table 6's BatchNorm, as Defense-GAN's
    WGAN-GP generator does (its config's USE_BN: False)."""
    image_shape = _check_shape(image_shape)
    z = keras.Input(shape=(latent_dim,), name="code")
    x = layers.Dense(4 * 4 * 256, activation="relu")(z)
    x = layers.Reshape((4, 4, 256))(x)
    channels = (128, 64) if image_shape[0] == 28 else (128, 64, 64)
    for i, filters in enumerate(channels):
        x = layers.Conv2DTranspose(filters, 5, strides=2, padding="same")(x)
        if batchnorm:
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        if image_shape[0] == 28 and i == 0:
            x = layers.Cropping2D(((0, 1), (0, 1)))(x)  # 8x8 -> 7x7, as Defense-GAN's output[:, :7, :7]
    x = layers.Conv2DTranspose(image_shape[-1], 5, strides=2, padding="same", activation="sigmoid", name="image")(x)
    return keras.Model(z, x, name="decoder")
