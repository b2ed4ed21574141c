"""PGD adversarial training (Madry et al. 2018) of a classifier, as a `keras.Model` around it.

Each step replaces the batch (or the fraction `adv_fraction` of it) by CleverHans' PGD examples
against the current classifier (eps, `steps` x `step_size`, random start, true labels), then takes
one optimizer step on the mixed batch. Validation reports clean and PGD accuracy.
"""

import keras
import numpy as np
import tensorflow as tf
from cleverhans.tf2.attacks.projected_gradient_descent import projected_gradient_descent

from tf_aegan import defaults


class AdversarialTraining(keras.Model):
    """`call(x)` is the classifier's logits; compile it as the classifier (one optimizer, loss, metrics)."""

    def __init__(self, classifier, eps=0.3, steps=defaults.ADVTR_STEPS, step_size=defaults.ADVTR_STEP_SIZE,
                 adv_fraction=defaults.ADVTR_FRACTION, **kwargs):
        super().__init__(**kwargs)
        self.check(eps, steps, step_size, adv_fraction)
        self.classifier = classifier
        self.eps, self.steps, self.step_size, self.adv_fraction = float(eps), int(steps), float(step_size), adv_fraction
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.adv_accuracy = keras.metrics.SparseCategoricalAccuracy(name="adv_accuracy")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @staticmethod
    def check(eps, steps, step_size, adv_fraction):
        """ValueError naming the setting that PGD adversarial training cannot use."""
        if not 0 < eps <= 1:
            raise ValueError(f"eps must be in (0, 1], got {eps}")
        if steps < 1 or step_size <= 0:
            raise ValueError(f"need steps >= 1 and step_size > 0, got steps={steps}, step_size={step_size}")
        if not 0 <= adv_fraction <= 1:
            raise ValueError(f"adv_fraction must be in [0, 1], got {adv_fraction}")

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy, self.adv_accuracy]

    def call(self, x, training=False):
        return self.classifier(x, training=training)

    def attack(self, x, y):
        """PGD examples of `x` against the classifier in inference mode (dropout off)."""
        return projected_gradient_descent(lambda t: self.classifier(t, training=False), x, self.eps, self.step_size,
                                          self.steps, np.inf, clip_min=0.0, clip_max=1.0, y=y, rand_init=True,
                                          sanity_checks=False)

    def train_step(self, data):
        x, y = data[:2]
        k = tf.cast(tf.round(self.adv_fraction * tf.cast(tf.shape(x)[0], tf.float32)), tf.int32)
        x_adv = tf.stop_gradient(self.attack(x[:k], y[:k]))
        mixed = tf.concat([x_adv, x[k:]], axis=0)
        with tf.GradientTape() as tape:
            logits = self.classifier(mixed, training=True)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        grads = tape.gradient(loss, self.classifier.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.classifier.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.adv_accuracy.update_state(y[:k], logits[:k])
        shown = [self.loss_tracker, self.adv_accuracy]
        if self.adv_fraction < 1:
            self.accuracy.update_state(y[k:], logits[k:])
            shown.append(self.accuracy)
        return {m.name: m.result() for m in shown}

    def test_step(self, data):
        x, y = data[:2]
        self.accuracy.update_state(y, self.classifier(x, training=False))
        self.adv_accuracy.update_state(y, self.classifier(self.attack(x, y), training=False))
        return {m.name: m.result() for m in (self.accuracy, self.adv_accuracy)}
