"""BiGAN's joint discriminator D(x, z) (Donahue et al. 2016), convolutional as in ALI (Dumoulin et al. 2016).

The paper adapts ALI's convolutional networks (Appendix A); for one architecture across defenses
the encoder and generator are Table 6's (`build_encoder`, `build_decoder`), and the discriminator
joins Table 6's convolutional trunk on x with a dense path on z, as ALI's D(x, z) does. Without
BatchNorm in that trunk the generator collapses to one image (RESULTS.md, BiGAN's collapse: scripts/bigan_probe.py).
"""

import keras
from keras import layers

from tf_aegan.models.aegan_nets import _check_shape


def build_joint_discriminator(image_shape=(28, 28, 1), latent_dim=128, dropout=0.2, batchnorm=False):
    """D: (image, code) -> logit that the pair is (x, E(x)) rather than (G(z), z). `batchnorm=True` puts
    BatchNorm after the second and third convolutions of the image path, as Table 6's discriminator."""
    image_shape = _check_shape(image_shape)
    image = keras.Input(shape=image_shape, name="image")
    code = keras.Input(shape=(latent_dim,), name="code")
    x = image
    for filters in (64, 128, 256):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        if batchnorm and filters > 64:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    z = layers.Dense(512)(code)
    z = layers.LeakyReLU(0.2)(z)
    z = layers.Dropout(dropout)(z)
    joint = layers.Concatenate()([x, z])
    joint = layers.Dense(1024)(joint)
    joint = layers.LeakyReLU(0.2)(joint)
    joint = layers.Dropout(dropout)(joint)
    logit = layers.Dense(1, name="logit")(joint)
    return keras.Model([image, code], logit, name="joint_discriminator")
