"""Attacks that adapt to a purification defense (Athalye, Carlini & Wagner 2018; Carlini et al. 2019).

Plain functions in the CleverHans style, each taking a `model_fn` (images -> logits):
- `bpda_identity(fn)`: fn in the forward pass, the identity in the backward pass (BPDA).
- `bpda_through(fn, approx)`: fn forward, a differentiable approximation's gradient backward.
- `pgd_linf`: L-infinity PGD on cross-entropy, with an optional per-image penalty (to keep a
  detector's reconstruction error under its threshold) and EOT (gradients averaged over several
  calls of a random defense).
- `spsa`: CleverHans 4's gradient-free SPSA, with the Keras 3 shim its Adam needs.
"""

import keras
import numpy as np
import tensorflow as tf

from cleverhans.tf2.attacks import spsa as _spsa

from tf_aegan.attacks.traced import traced
from tf_aegan.purify.gradients import bpda_identity, bpda_through  # noqa: F401  (re-exported)


def pgd_linf(model_fn, x, y, eps, step_size, steps, rand_init=True, seed=0, penalty_fn=None, penalty_weight=0.0,
             eot=1, early_stop=False, x_init=None):
    """PGD (Madry et al. 2017) maximising CE(model_fn(x'), y) - penalty_weight * penalty_fn(x') per image.

    x' stays in the L-infinity ball of radius `eps` around x and in [0, 1]. `y` are the labels the
    attack moves away from (true labels, or the model's predictions). `early_stop`: an image stops
    moving once model_fn no longer predicts y, and later steps compute only the others: exact when
    model_fn's forward pass is the defense scored (a found adversarial example is kept), and much
    cheaper when most images fall early. `x_init`: the starting point (e.g. another attack's
    example; projected into the ball) instead of x or a random start. Returns x' as a tensor.
    """
    if eps < 0 or steps < 0 or eot < 1:
        raise ValueError(f"need eps >= 0, steps >= 0 and eot >= 1, got eps={eps}, steps={steps}, eot={eot}")
    x = tf.convert_to_tensor(x, tf.float32)
    y = tf.convert_to_tensor(y, tf.int64)
    eps_t, step_t = tf.constant(eps, tf.float32), tf.constant(step_size, tf.float32)

    def make(fn):
        @tf.function(reduce_retracing=True)
        def step(xa, x0, labels, eps_t, step_t):
            grad = tf.zeros_like(xa)
            for i in range(eot):
                with tf.GradientTape() as tape:
                    tape.watch(xa)
                    logits = fn(xa)
                    loss = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
                    if penalty_fn is not None:
                        loss = loss - penalty_weight * penalty_fn(xa)
                    loss = tf.reduce_sum(loss)
                if i == 0:
                    fooled = tf.argmax(logits, axis=-1) != labels
                g = tape.gradient(loss, xa)
                if g is not None:  # None: no differentiable path (e.g. tf.round), so no move
                    grad += g
            moved = tf.clip_by_value(tf.clip_by_value(xa + step_t * tf.sign(grad), x0 - eps_t, x0 + eps_t), 0.0, 1.0)
            if early_stop:
                moved = tf.where(fooled[:, None, None, None], xa, moved)
            return moved, fooled
        return step

    traced_step = traced(model_fn, ("pgd", eot, early_stop, penalty_fn, float(penalty_weight)), make)
    step = lambda xa, x0, labels: traced_step(xa, x0, labels, eps_t, step_t)  # noqa: E731

    xa = x
    if x_init is not None:
        xa = tf.clip_by_value(tf.clip_by_value(tf.convert_to_tensor(x_init, tf.float32), x - eps, x + eps), 0.0, 1.0)
    elif rand_init:
        noise = tf.random.stateless_uniform(tf.shape(x), seed=[seed, 0], minval=-eps, maxval=eps)
        xa = tf.clip_by_value(x + noise, 0.0, 1.0)
    if not early_stop:
        for _ in range(steps):
            xa, _ = step(xa, x, y)
        return xa
    active = tf.range(tf.shape(x)[0])
    for _ in range(steps):
        if int(tf.size(active)) == 0:
            break
        moved, fooled = step(tf.gather(xa, active), tf.gather(x, active), tf.gather(y, active))
        xa = tf.tensor_scatter_nd_update(xa, active[:, None], moved)
        active = tf.boolean_mask(active, tf.logical_not(fooled))
    return xa


class _KerasCompatSPSAAdam(_spsa.SPSAAdam):
    """CleverHans 4's SPSAAdam under Keras 3: its constructor passes `lr=`, which Keras 3's Adam refuses."""

    def __init__(self, lr=0.01, delta=0.01, num_samples=128, num_iters=1, compare_to_analytic_grad=False):
        keras.optimizers.Adam.__init__(self, learning_rate=lr)
        if num_samples % 2:
            raise ValueError(f"SPSA needs an even number of samples, got {num_samples}")
        self.lr = lr
        self._delta = delta
        self._num_samples = num_samples // 2
        self._num_iters = num_iters
        self._compare_to_analytic_grad = compare_to_analytic_grad


def spsa(model_fn, x, y, eps, steps=100, learning_rate=0.01, delta=0.01, samples=128, seed=0):
    """Gradient-free L-infinity SPSA (Uesato et al. 2018), CleverHans 4's, one image at a time."""
    original = _spsa.SPSAAdam
    _spsa.SPSAAdam = _KerasCompatSPSAAdam
    try:
        tf.random.set_seed(seed)
        out = [_spsa.spsa(model_fn, tf.constant(x[i:i + 1], tf.float32), tf.constant(np.asarray(y)[i:i + 1]),
                          eps, steps, clip_min=0.0, clip_max=1.0, learning_rate=learning_rate, delta=delta,
                          spsa_samples=samples)
               for i in range(len(x))]
    finally:
        _spsa.SPSAAdam = original
    return tf.concat(out, axis=0)
