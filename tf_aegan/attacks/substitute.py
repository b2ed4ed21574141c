"""Papernot et al. (2017) substitute training with Jacobian-based data augmentation, for black-box attacks.

The attacker holds a small set (150 test images), labels it by querying the oracle (classifier A),
trains substitute B or C, and doubles the set each round with x + lambda * sign(dF_sub[oracle(x)]/dx).
"""

import keras
import numpy as np
import tensorflow as tf

from tf_aegan.models import build_classifier

from tf_aegan.defaults import (SUBSTITUTE_BATCH, SUBSTITUTE_EPOCHS_PER_ROUND, SUBSTITUTE_LAMBDA,  # noqa: F401
                               SUBSTITUTE_LR, SUBSTITUTE_ROUNDS)


def oracle_labels(oracle, x, batch_size=500):
    return np.argmax(oracle.predict(x, batch_size=batch_size, verbose=0), axis=1)


def jacobian_augment(substitute, x, labels, lmbda, batch_size=256):
    """x + lmbda * sign of the gradient of the substitute's logit for the oracle label, clipped to [0, 1]."""

    @tf.function(input_signature=[tf.TensorSpec([None, *x.shape[1:]], tf.float32), tf.TensorSpec([None], tf.int64)])
    def step(xb, yb):
        with tf.GradientTape() as tape:
            tape.watch(xb)
            logits = substitute(xb, training=False)
            picked = tf.reduce_sum(logits * tf.one_hot(yb, tf.shape(logits)[1]))
        return tf.clip_by_value(xb + lmbda * tf.sign(tape.gradient(picked, xb)), 0.0, 1.0)

    new = [step(tf.constant(x[i:i + batch_size]), tf.constant(labels[i:i + batch_size], tf.int64)).numpy()
           for i in range(0, len(x), batch_size)]
    return np.concatenate([x, np.concatenate(new)])


def train_substitute(oracle, x_holdout, arch="B", rounds=SUBSTITUTE_ROUNDS, lmbda=SUBSTITUTE_LAMBDA,
                     epochs_per_round=SUBSTITUTE_EPOCHS_PER_ROUND, batch_size=SUBSTITUTE_BATCH, lr=SUBSTITUTE_LR,
                     seed=0, verbose=0):
    """Train substitute `arch` (Table 5) on oracle-labelled, Jacobian-augmented data.

    Returns (substitute, history) where history lists the training-set size and oracle queries per round.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    keras.utils.set_random_seed(seed)
    num_classes = int(oracle.output_shape[-1])
    substitute = build_classifier(arch, x_holdout.shape[1:], num_classes)
    substitute.compile(keras.optimizers.Adam(lr), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       metrics=["accuracy"])
    x = np.asarray(x_holdout, np.float32)
    history, queries = [], 0
    for rho in range(rounds):
        labels = oracle_labels(oracle, x)
        queries += len(x)
        fit = substitute.fit(x, labels, epochs=epochs_per_round, batch_size=batch_size, verbose=verbose)
        history.append({"round": rho + 1, "examples": int(len(x)), "queries": queries,
                        "train_accuracy": float(fit.history["accuracy"][-1])})
        if rho < rounds - 1:
            coef = -1.0 if rho < 3 else 1.0  # CleverHans' schedule: lambda's sign flips after 3 rounds
            x = jacobian_augment(substitute, x, labels, coef * lmbda)
    return substitute, history


def train_and_save(dataset, data_dir, workdir, arch, rounds, lmbda, epochs_per_round, seed=0):
    """Train substitute `arch` from the 150 hold-out images labelled by `workdir`'s classifier A, save it
    beside A with its metrics, and return them (accuracy on the 9850 black-box test images included)."""
    import json
    import os
    import time

    from tf_aegan import store
    from tf_aegan.data import load_dataset
    from tf_aegan.stats import accuracy_record

    oracle = store.load_classifier(workdir, "A", dataset)
    data = load_dataset(dataset, data_dir)
    x_hold, _ = data.arrays("holdout")
    t = time.time()
    model, history = train_substitute(oracle, x_hold, arch, rounds, lmbda, epochs_per_round, seed=seed)
    folder = store.classifier_dir(workdir, f"substitute_{arch}")
    os.makedirs(folder, exist_ok=True)
    model.save(os.path.join(folder, store.CLASSIFIER_FILE))
    x, y = data.arrays("blackbox")
    blackbox = accuracy_record(int((np.argmax(model.predict(x, batch_size=500, verbose=0), axis=1) == y).sum()), len(y))
    result = {"arch": arch, "dataset": dataset, "rounds": rounds, "lmbda": lmbda, "epochs_per_round": epochs_per_round,
              "seconds": round(time.time() - t, 1), "history": history, "blackbox_accuracy": blackbox}
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result
