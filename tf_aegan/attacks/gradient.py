"""FGSM and PGD (L-infinity) from CleverHans 4, images kept in [0, 1] by clipping (Section 4.1)."""

import numpy as np
import tensorflow as tf
from cleverhans.tf2.attacks.fast_gradient_method import fast_gradient_method
from cleverhans.tf2.attacks.projected_gradient_descent import projected_gradient_descent


def fgsm(model_fn, x, eps, y=None):
    """Fast gradient sign method (Goodfellow et al., 2014) of size `eps`; `y` the true labels if known."""
    x = tf.convert_to_tensor(x, tf.float32)
    return fast_gradient_method(model_fn, x, eps, np.inf, clip_min=0.0, clip_max=1.0, y=y)


def pgd(model_fn, x, eps, eps_iter=0.01, steps=40, y=None, rand_init=True, seed=None):
    """Projected gradient descent (Madry et al., 2017) in the L-infinity ball of radius `eps`."""
    x = tf.convert_to_tensor(x, tf.float32)
    if seed is not None:
        tf.random.set_seed(seed)
    return projected_gradient_descent(model_fn, x, eps, eps_iter, steps, np.inf, clip_min=0.0, clip_max=1.0,
                                      y=y, rand_init=rand_init, sanity_checks=False)
