"""Defense-GAN's WGAN-GP critic (Gulrajani et al. 2017's MNIST critic, which Defense-GAN's code uses).

The generator is the decoder of Table 6 (`build_decoder`), as issue 10 and Defense-GAN's
`mnist_generator` have it. The critic has no BatchNorm: the gradient penalty is taken per input
image, which batch statistics would couple across the batch.
"""

import keras
from keras import layers

from tf_aegan.models.aegan_nets import _check_shape


def build_critic(image_shape=(28, 28, 1)):
    """Critic: image -> unbounded score (Conv 64, 128, 256, 5x5 stride 2, LeakyReLU 0.2; FC(1))."""
    image_shape = _check_shape(image_shape)
    inputs = keras.Input(shape=image_shape, name="image")
    x = inputs
    for filters in (64, 128, 256):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    score = layers.Dense(1, name="score")(layers.Flatten()(x))
    return keras.Model(inputs, score, name="critic")
