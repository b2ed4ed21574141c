"""Classifier A and substitutes B, C (Table 5), with Defense-GAN's paddings (`model_a`, `model_f`, `model_d`).

They output logits; the softmax of Table 5 is applied in the loss (`from_logits=True`) and at
prediction time, which is the same model and is what CleverHans' attacks expect.

Two readings of Table 5 are left open by the paper and settled by Defense-GAN's code
(`utils/network_builder.py`), which the paper says it follows; both are options here:
- `init="unit_norm"`: weights drawn N(0, 1) and scaled so each output unit's weight vector has
  unit L2 norm, with zero biases (CleverHans' layers, which Defense-GAN copies); "glorot" is
  Keras' default.
- `dropout="keep"`: Table 5's Dropout(p) read as TF1's `tf.nn.dropout(x, p)`, whose second
  argument is the *keep* probability, so A's Dropout(0.25) drops 75%; "rate" reads p as the
  fraction dropped (Keras). B and C only use 0.5, where both readings agree.
"""

import keras
import numpy as np
from keras import layers

from tf_aegan import checks, defaults

INITS = defaults.CLASSIFIER_INITS
DROPOUTS = defaults.CLASSIFIER_DROPOUTS
# What a classifier config.json written before these options existed was trained with.
PRE_OPTION_READING = defaults.PRE_OPTION_READING


@keras.saving.register_keras_serializable(package="tf_aegan")
class UnitNormNormal(keras.initializers.Initializer):
    """N(0, 1) weights scaled to unit L2 norm per output unit (last axis), as CleverHans' Linear/Conv2D."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        w = keras.random.normal(shape, dtype=dtype, seed=self.seed)
        axes = tuple(range(len(shape) - 1))
        return w / keras.ops.sqrt(1e-7 + keras.ops.sum(keras.ops.square(w), axis=axes, keepdims=True))

    def get_config(self):
        return {"seed": self.seed}


def _a(x, conv, dense, drop):
    x = conv(64, 5, strides=1, padding="same", activation="relu")(x)
    x = conv(64, 5, strides=2, padding="valid", activation="relu")(x)
    x = drop(0.25)(x)
    x = layers.Flatten()(x)
    x = dense(128, activation="relu")(x)
    return drop(0.5)(x)


def _b(x, conv, dense, drop):
    x = conv(64, 8, strides=2, padding="same", activation="relu")(x)
    x = conv(128, 6, strides=2, padding="valid", activation="relu")(x)
    x = conv(128, 5, strides=1, padding="valid", activation="relu")(x)
    x = drop(0.5)(x)
    return layers.Flatten()(x)


def _c(x, conv, dense, drop):
    x = layers.Flatten()(x)
    for _ in range(2):
        x = dense(200, activation="relu")(x)
        x = drop(0.5)(x)
    return x


ARCHS = {"A": _a, "B": _b, "C": _c}


def build_classifier(arch="A", input_shape=(28, 28, 1), num_classes=10, init=defaults.CLASSIFIER_INIT,
                     dropout=defaults.CLASSIFIER_DROPOUT):
    """Classifier `arch` of Table 5 as a functional `keras.Model` returning logits.

    `init` and `dropout` choose between Keras' and Defense-GAN's reading of the table (module docstring).
    """
    checks.one_of("classifier architecture", arch, ARCHS)
    checks.one_of("classifier init", init, INITS)
    checks.one_of("dropout reading", dropout, DROPOUTS)
    kw = {"kernel_initializer": UnitNormNormal()} if init == "unit_norm" else {}
    conv = lambda *a, **k: layers.Conv2D(*a, **k, **kw)  # noqa: E731
    dense = lambda *a, **k: layers.Dense(*a, **k, **kw)  # noqa: E731
    drop = (lambda p: layers.Dropout(1.0 - p)) if dropout == "keep" else layers.Dropout
    inputs = keras.Input(shape=input_shape, name="image")
    logits = dense(num_classes, name="logits")(ARCHS[arch](inputs, conv, dense, drop))
    return keras.Model(inputs, logits, name=f"classifier_{arch}")


def build_dual_view(core, encoder, decoder):
    """The defended-classifier study's design 4 as one classifier: x -> core([x, G(F(x))]), the image and
    its purification side by side as channels, the frozen purifier inside. It is differentiable end to
    end, so a white-box attacker (and `train.advtrain`'s attack) goes through G(F(x)) exactly; keeping x
    as an input is meant to keep the clean accuracy that designs 1 and 2 lost to the purifier."""
    encoder.trainable = decoder.trainable = False
    image = keras.Input(shape=encoder.input_shape[1:], name="image")
    both = layers.Concatenate(name="image_and_purified")([image, decoder(encoder(image))])
    return keras.Model(image, core(both), name=f"dual_view_{core.name}")


def widen_input(source, target):
    """Copy classifier `source`'s weights into `target`, the same architecture with more input channels:
    the extra channels' first-layer weights are zero, so `target` computes what `source` does on the
    first channels (design 4 starts as the adversarially trained classifier it is built from)."""
    pairs = [(a, b) for a, b in zip(source.layers, target.layers) if a.get_weights()]
    if len(pairs) != len([b for b in target.layers if b.get_weights()]):
        raise ValueError(f"{source.name} and {target.name} differ in their layers: not the same architecture")
    for a, b in pairs:
        w, wide = a.get_weights(), b.get_weights()
        if w[0].shape != wide[0].shape:
            if w[0].shape[:-2] != wide[0].shape[:-2] or w[0].shape[-1] != wide[0].shape[-1]:
                raise ValueError(f"layer {a.name}: weights {w[0].shape} do not widen to {wide[0].shape}")
            kernel = np.zeros(wide[0].shape, w[0].dtype)
            kernel[..., :w[0].shape[-2], :] = w[0]
            w = [kernel] + w[1:]
        b.set_weights(w)
    return target
