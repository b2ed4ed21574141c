"""A SavedModel for TF-Serving: detector-gated purification and classification, all in the graph.

Written with `keras.export.ExportArchive`, so Keras 3 variables restore in TF1 sessions (TF-Serving,
`saved_model_cli run`). Only stock ops: `tf.debugging` asserts (which fail a request with
INVALID_ARGUMENT), a while loop for the search, no `py_function`. The purifier's settings are
fixed at export, as constants in the graph and in `assets.extra/purifier.json` beside it.
"""

import json
import os

import keras
import tensorflow as tf

CONFIG_ASSET = "purifier.json"


class DefendedClassifier:
    """serving_default: classify the purified images; purify: the purified images. Both gate the search.

    `purifier` is a `LatentSearchPurifier`; its threshold and search settings are frozen into the graph.
    """

    def __init__(self, classifier, purifier, threshold=None, info=None):
        threshold = purifier.threshold if threshold is None else threshold
        if threshold is None:
            raise ValueError("the exported purifier needs a detector threshold")
        self.classifier, self.purifier = classifier, purifier
        self.image_shape = purifier.image_shape
        self.settings = {"threshold": float(threshold), "steps": int(purifier.steps),
                         "step_size": float(purifier.step_size), "factor": float(purifier.factor),
                         "period": int(purifier.period), "search_metric": purifier.metric,
                         "detector_metric": purifier.detector.metric, "image_shape": list(self.image_shape),
                         "latent_range": [-1.0, 1.0], **(info or {})}
        self.threshold = tf.constant(float(threshold), tf.float32)

    def _check(self, images):
        h, w, c = self.image_shape
        shape = tf.shape(images)
        checks = [
            tf.debugging.assert_rank(images, 4, message=f"images must have rank 4: [batch, {h}, {w}, {c}]"),
            tf.debugging.assert_equal(shape[1:], tf.constant([h, w, c]),
                                      message=f"images must have shape [batch, {h}, {w}, {c}]"),
            tf.debugging.assert_greater(shape[0], 0, message="the batch is empty"),
        ]
        with tf.control_dependencies(checks):
            images = tf.debugging.check_numerics(images, "images hold NaN or infinity")
        checks = [tf.debugging.assert_greater_equal(tf.reduce_min(images), 0.0, message="image values must lie in [0, 1]"),
                  tf.debugging.assert_less_equal(tf.reduce_max(images), 1.0, message="image values must lie in [0, 1]")]
        with tf.control_dependencies(checks):
            return tf.ensure_shape(images, [None, h, w, c])

    def _purify(self, images):
        purified, flags, errors = self.purifier.gated_tensor(self._check(images), self.threshold)
        return {"images": purified, "flagged": flags, "reconstruction_error": errors}

    def _serve(self, images):
        purified, flags, errors = self.purifier.gated_tensor(self._check(images), self.threshold)
        probabilities = tf.nn.softmax(self.classifier(purified, training=False), axis=-1)
        return {"probabilities": probabilities, "classes": tf.argmax(probabilities, axis=-1),
                "flagged": flags, "reconstruction_error": errors}

    def save(self, directory):
        """Write the SavedModel with the signatures serving_default and purify, and its settings."""
        # Any rank: the graph's own checks, not the client, refuse bad shapes with INVALID_ARGUMENT.
        spec = tf.TensorSpec(None, tf.float32, name="images")
        archive = keras.export.ExportArchive()
        for network in (self.classifier, self.purifier.encoder, self.purifier.decoder):
            archive.track(network)
        archive.add_endpoint("serving_default", self._serve, input_signature=[spec])
        archive.add_endpoint("purify", self._purify, input_signature=[spec])
        archive.write_out(directory, verbose=False)
        extra = os.path.join(directory, "assets.extra")
        os.makedirs(extra, exist_ok=True)
        with open(os.path.join(extra, CONFIG_ASSET), "w") as f:
            json.dump(self.settings, f, indent=2, sort_keys=True)
        return directory


PY_FUNC_OPS = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}


def graph_op_types(saved_model_dir):
    """Every op type in the SavedModel's graph and function library."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(saved_model_dir, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    ops = set()
    for meta in proto.meta_graphs:
        ops |= {node.op for node in meta.graph_def.node}
        for fn in meta.graph_def.library.function:
            ops |= {node.op for node in fn.node_def}
    return ops
