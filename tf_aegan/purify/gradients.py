"""How an attacker differentiates through a purifier that gives no useful gradient of its own: BPDA
(Athalye et al. 2018), the forward pass of the purifier with the gradient of a stand-in."""

import tensorflow as tf


def bpda_identity(fn):
    """`fn` forward, identity backward: the gradient of a purifier approximated by that of x -> x."""

    def wrapped(x):
        return x + tf.stop_gradient(fn(x) - x)  # the straight-through form: value fn(x), gradient 1

    return wrapped


def bpda_through(fn, approx):
    """`fn` forward, the gradient of the differentiable `approx` backward (BPDA with an approximation
    close to the purifier: for AE-GAN+rs, G(F(x)), the search's starting point)."""

    def wrapped(x):
        near = approx(x)
        return near + tf.stop_gradient(fn(x) - near)

    return wrapped
