"""Classifier A and substitutes B, C (Table 5), with Defense-GAN's paddings (`model_a`, `model_f`, `model_d`).

They output logits; the softmax of Table 5 is applied in the loss (`from_logits=True`) and at
prediction time, which is the same model and is what CleverHans' attacks expect.
"""

import keras
from keras import layers


def _a(x):
    x = layers.Conv2D(64, 5, strides=1, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 5, strides=2, padding="valid", activation="relu")(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    return layers.Dropout(0.5)(x)


def _b(x):
    x = layers.Conv2D(64, 8, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(128, 6, strides=2, padding="valid", activation="relu")(x)
    x = layers.Conv2D(128, 5, strides=1, padding="valid", activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return layers.Flatten()(x)


def _c(x):
    x = layers.Flatten()(x)
    for _ in range(2):
        x = layers.Dense(200, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
    return x


ARCHS = {"A": _a, "B": _b, "C": _c}


def build_classifier(arch="A", input_shape=(28, 28, 1), num_classes=10):
    """Classifier `arch` of Table 5 as a functional `keras.Model` returning logits."""
    if arch not in ARCHS:
        raise ValueError(f"unknown classifier architecture {arch!r}; choose one of {', '.join(ARCHS)}")
    inputs = keras.Input(shape=input_shape, name="image")
    logits = layers.Dense(num_classes, name="logits")(ARCHS[arch](inputs))
    return keras.Model(inputs, logits, name=f"classifier_{arch}")
