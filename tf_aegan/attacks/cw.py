"""Carlini-Wagner L2 from CleverHans 4, made to run under Keras 3 by the smallest shim we found.

CleverHans 4 resets its Adam between binary-search steps by zeroing `optimizer.variables()`. In
Keras 3 `variables` is a list property (so the call fails), and it holds the learning rate too (so
zeroing it would freeze the attack). The shim gives CleverHans an Adam whose `variables` can also be
called, returning the optimizer state without the learning rate; the attack is CleverHans' code.
"""

import keras
import numpy as np
from cleverhans.tf2.attacks.carlini_wagner_l2 import CarliniWagnerL2

# CleverHans' defaults, and the paper's (Section 4.1: CleverHans with its settings).
from tf_aegan.defaults import CW_BINARY_SEARCH_STEPS, CW_INITIAL_CONST, CW_LEARNING_RATE, CW_MAX_ITERATIONS  # noqa: E402


class _VariableList(list):
    """All variables as a list (Keras 3); called, the resettable state only (Keras 2's `variables()`)."""

    def __init__(self, variables, learning_rate):
        super().__init__(variables)
        self._learning_rate = learning_rate

    def __call__(self):
        return [v for v in self if v is not self._learning_rate]


class KerasCompatAdam(keras.optimizers.Adam):
    """Keras 3 Adam exposing `variables()` the way CleverHans 4 (written for Keras 2) calls it."""

    @property
    def variables(self):
        return _VariableList(super().variables, self._learning_rate)


def carlini_wagner_l2(model_fn, x, y=None, batch_size=128, max_iterations=CW_MAX_ITERATIONS,
                      binary_search_steps=CW_BINARY_SEARCH_STEPS, learning_rate=CW_LEARNING_RATE,
                      initial_const=CW_INITIAL_CONST, confidence=0.0, abort_early=True):
    """Untargeted CW-L2 (CleverHans 4) in [0, 1]; `y`, if given, makes it targeted at those labels.

    Returns a numpy array of the same shape as `x`. Runs `batch_size` images at a time, each chunk with
    its own attack and optimizer: CleverHans makes a new perturbation variable per chunk, and a Keras 3
    optimizer refuses variables it was not built with.
    """
    x = np.asarray(x, np.float32)
    y = None if y is None else np.asarray(y)
    chunks = []
    for i in range(0, len(x), batch_size):
        attack = CarliniWagnerL2(model_fn, y=None if y is None else y[i:i + batch_size], batch_size=batch_size,
                                 clip_min=0.0, clip_max=1.0, binary_search_steps=binary_search_steps,
                                 max_iterations=max_iterations, abort_early=abort_early, confidence=confidence,
                                 initial_const=initial_const, learning_rate=learning_rate)
        attack.optimizer = KerasCompatAdam(learning_rate)
        chunks.append(attack.attack(x[i:i + batch_size]))
    return np.concatenate(chunks) if chunks else x.copy()
