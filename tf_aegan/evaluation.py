"""Helpers shared by the evaluation commands: batched prediction, accuracies with intervals."""

import numpy as np
import tensorflow as tf

from tf_aegan import store
from tf_aegan.data import load_dataset
from tf_aegan.stats import accuracy_record, fmt  # noqa: F401  (fmt: the evaluation commands' import)


def load_defended(workdir, aegan="aegan", dataset="fashion_mnist", data_dir=None):
    """(classifier A, encoder, decoder, data) for the commands that evaluate or export the defense."""
    classifier = store.load_classifier(workdir, "A", dataset)
    encoder, decoder = store.load_autoencoder(workdir, aegan, dataset)
    return classifier, encoder, decoder, load_dataset(dataset, data_dir)


def evaluation_inputs(config, split="test"):
    """What an evaluation of `config` (dataset, data_dir, workdir, n) starts from: (workdir, data, x, y,
    classifier A), x and y the first n images of `split`; workdir defaults to the shipped networks."""
    workdir = config.workdir or store.shipped_dir(config.dataset)
    data = load_dataset(config.dataset, config.data_dir)
    if not 1 <= config.n <= data.split(split).size:
        raise ValueError(f"n = {config.n} must be between 1 and the size of the {split} split ({data.split(split).size})")
    x, y = data.arrays(split, config.n)
    return workdir, data, x, y, store.load_classifier(workdir, "A", config.dataset)


def predict_labels(classifier, x, batch_size=500):
    return np.argmax(classifier.predict(x, batch_size=batch_size, verbose=0), axis=1)


def accuracy(classifier, x, y):
    """{"accuracy", "ci": [low, high] (95% Wilson), "n"} of `classifier` on (x, y)."""
    return accuracy_record(int((predict_labels(classifier, x) == y).sum()), len(y))


def attack_in_batches(attack, x, y, batch_size=500):
    """Run `attack(x_batch, y_batch)` over an array (y None: the attack's own labels); returns numpy."""
    return np.concatenate([np.asarray(attack(tf.constant(x[i:i + batch_size]),
                                             None if y is None else tf.constant(y[i:i + batch_size])))
                           for i in range(0, len(x), batch_size)])
