"""Gradient descent in latent space: Algorithm 2's encoder-assisted search and Defense-GAN's projection.

Both run as one `tf.while_loop` inside a `tf.function`: the number of steps is a tensor, so the
graph does not grow with it, and the loop carries z as a tensor (no variable assigns), so an
attacker can differentiate through the whole search.
"""

import tensorflow as tf

from tf_aegan import checks

METRICS = ("l2", "l1")

from tf_aegan.defaults import (DGAN_DECAY_AT, DGAN_INIT_STD, DGAN_LR, DGAN_MOMENTUM,  # noqa: E402,F401
                               DGAN_RESTARTS, DGAN_STEPS, SEARCH_FACTOR, SEARCH_PERIOD, SEARCH_STEP_SIZE, SEARCH_STEPS)


def per_example_error(x_hat, x, metric="l2"):
    """Mean squared (l2) or absolute (l1) pixel difference per image; shape [batch]."""
    diff = x_hat - x
    if metric == "l2":
        return tf.reduce_mean(tf.square(diff), axis=[1, 2, 3])
    if metric == "l1":
        return tf.reduce_mean(tf.abs(diff), axis=[1, 2, 3])
    raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}")


def descend(decoder, x, z0, steps, step_size, factor=1.0, period=5, momentum=0.0, z_min=None, z_max=None,
            metric="l2", trajectory=False):
    """`steps` steps of (momentum) gradient descent on per_example_error(G(z), x) from z0.

    Each example's z moves on its own error (the batch loss is a sum). The step size is multiplied
    by `factor` whenever the step count reaches a multiple of `period`. z is clipped to
    [z_min, z_max] when given. Returns the final z; with `trajectory=True`, also each example's error
    before every step and after the last, shape [steps + 1, batch] (to check that the search descends).
    """
    checks.one_of("metric", metric, METRICS)
    steps = tf.convert_to_tensor(steps, tf.int32)
    step_size = tf.convert_to_tensor(step_size, tf.float32)
    factor = tf.convert_to_tensor(factor, tf.float32)
    period = tf.maximum(tf.convert_to_tensor(period, tf.int32), 1)
    momentum = tf.convert_to_tensor(momentum, tf.float32)

    def body(k, z, velocity, lr, errors):
        with tf.GradientTape() as tape:
            tape.watch(z)
            per_example = per_example_error(decoder(z, training=False), x, metric)
            loss = tf.reduce_sum(per_example)
        if trajectory:
            errors = errors.write(k, per_example)
        velocity = momentum * velocity + tape.gradient(loss, z)
        z = z - lr * velocity
        if z_min is not None:
            z = tf.clip_by_value(z, z_min, z_max)
        k = k + 1
        lr = tf.where(tf.equal(k % period, 0), lr * factor, lr)
        return k, z, velocity, lr, errors

    errors = tf.TensorArray(tf.float32, size=steps + 1) if trajectory else tf.constant(0.0)
    _, z, _, _, errors = tf.while_loop(lambda k, *_: k < steps, body,
                                       (tf.constant(0), z0, tf.zeros_like(z0), step_size, errors))
    if not trajectory:
        return z
    errors = errors.write(steps, per_example_error(decoder(z, training=False), x, metric))
    return z, errors.stack()


def best_of_restarts(decoder, x, z, restarts, metric="l2"):
    """Given z for each of `restarts` copies of each example (restart-major), keep the best per example."""
    n = tf.shape(x)[0]
    x_tiled = tf.tile(x, [restarts, 1, 1, 1])
    errors = tf.reshape(per_example_error(decoder(z, training=False), x_tiled, metric), [restarts, n])
    best = tf.argmin(errors, axis=0, output_type=tf.int32)
    index = best * n + tf.range(n)
    return tf.gather(z, index), tf.gather(tf.reshape(errors, [-1]), index)
