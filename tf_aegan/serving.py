"""A SavedModel for TF-Serving: detector-gated purification and classification, all in the graph.

Written with `keras.export.ExportArchive`, so Keras 3 variables restore in TF1 sessions (TF-Serving,
`saved_model_cli run`). Only stock ops: `tf.debugging` asserts (which fail a request with
INVALID_ARGUMENT), a while loop for the search, no `py_function`. The purifier's settings are
fixed at export, as constants in the graph and in `assets.extra/purifier.json` beside it.
"""

import dataclasses
import json
import os

import keras
import numpy as np
import tensorflow as tf

from tf_aegan import defaults

CONFIG_ASSET = "purifier.json"
WARMUP_ASSET = "tf_serving_warmup_requests"  # the name TF-Serving looks for in assets.extra/
BATCHING_FILE = "batching_parameters.txt"
# --enable_batching settings (BatchingParameters text proto), from bench.serving (RESULTS.md): clean
# throughput grows 4x from batch 1 to 8 and little from 8 to 64; 2 ms is under half the p50 of a
# batch-1 clean request.
BATCHING = {"max_batch_size": 64, "batch_timeout_micros": 2000, "max_enqueued_batches": 100,
            "num_batch_threads": 2, "allowed_batch_sizes": (8, 64)}


FRONTS = ("gated", "detect")


class DefendedClassifier:
    """serving_default: classify the purified images; purify: the purified images. Both gate the search.

    `purifier` is a `LatentSearchPurifier`; its threshold and search settings are frozen into the graph.
    `front` "detect": serving_default classifies the images themselves (e.g. an adversarially trained
    classifier, what measured most robust: RESULTS.md, the defended classifier), the detector's flag and
    reconstruction error beside it as advice; `purify` still returns the gated purification.
    """

    def __init__(self, classifier, purifier, threshold=None, info=None, front="gated"):
        threshold = purifier.threshold if threshold is None else threshold
        if threshold is None:
            raise ValueError("the exported purifier needs a detector threshold")
        if front not in FRONTS:
            raise ValueError(f"front must be one of {', '.join(FRONTS)}, got {front!r}")
        self.classifier, self.purifier, self.front = classifier, purifier, front
        self.image_shape = purifier.image_shape
        self.settings = {"threshold": float(threshold), "steps": int(purifier.steps),
                         "step_size": float(purifier.step_size), "factor": float(purifier.factor),
                         "period": int(purifier.period), "search_metric": purifier.metric,
                         "detector_metric": purifier.detector.metric, "image_shape": list(self.image_shape),
                         "latent_range": [-1.0, 1.0], "front": front, **(info or {})}
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
        images = self._check(images)
        if self.front == "detect":  # the classifier sees the images; the detector only advises
            errors = self.purifier.detector.error_of(self.purifier.reconstruct_tensor(images), images)
            purified, flags = images, errors > self.threshold
        else:
            purified, flags, errors = self.purifier.gated_tensor(images, self.threshold)
        probabilities = tf.nn.softmax(self.classifier(purified, training=False), axis=-1)
        return {"probabilities": probabilities, "classes": tf.argmax(probabilities, axis=-1),
                "flagged": flags, "reconstruction_error": errors}

    def save(self, directory, warmup_images=None, model_name="aegan"):
        """Write the SavedModel with the signatures serving_default and purify, and its settings.

        `warmup_images`: a few images (clean and ones the detector flags) written as TF-Serving
        warmup requests, so the first real request does not pay for tracing the search."""
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
        if warmup_images is not None:
            write_warmup(os.path.join(extra, WARMUP_ASSET), warmup_images, model_name)
        return directory


def predict_request(images, signature="serving_default", model_name="aegan"):
    """A TF-Serving PredictRequest proto for a batch of float32 images."""
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(tf.constant(images, tf.float32)))
    return request


def write_warmup(path, images, model_name="aegan"):
    """TF-Serving's warmup file: a TFRecord of PredictionLog, one request per signature and image."""
    from tensorflow_serving.apis import prediction_log_pb2

    with tf.io.TFRecordWriter(path) as writer:
        for signature in ("serving_default", "purify"):
            for i in range(len(images)):
                log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(
                    request=predict_request(images[i:i + 1], signature, model_name)))
                writer.write(log.SerializeToString())
    return path


def read_warmup(path):
    """The PredictRequests of a warmup file (to check or replay it)."""
    from tensorflow_serving.apis import prediction_log_pb2

    requests = []
    for record in tf.data.TFRecordDataset(path):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        requests.append(log.predict_log.request)
    return requests


def write_batching_parameters(path, params=None):
    """The `--batching_parameters_file` for `tensorflow_model_server --enable_batching` (text proto)."""
    params = {**BATCHING, **(params or {})}
    lines = [f"{k} {{ value: {v} }}" for k, v in params.items() if k != "allowed_batch_sizes"]
    lines += [f"allowed_batch_sizes: {s}" for s in params["allowed_batch_sizes"]]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


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


@dataclasses.dataclass
class ExportConfig:
    out: str                                   # model base path: the model goes to out/<version>/
    version: int = 1
    dataset: str = "fashion_mnist"
    data_dir: str = None
    workdir: str = None                        # default weights/<dataset>
    aegan: str = "aegan"
    classifier: str = None                     # a .keras classifier behind the purifier; default: the workdir's A
    front: str = "gated"                       # "detect": the classifier sees the images, the detector advises
    threshold: float = None                    # default: set on clean validation images for `fpr`
    fpr: float = defaults.DETECTOR_FPR
    detector_metric: str = "mse"
    steps: int = None                          # None: the network's search.json, else Algorithm 2's defaults
    step_size: float = None
    factor: float = None
    period: int = None
    model_name: str = "aegan"

    def check(self):
        if self.version < 1:
            raise ValueError(f"--version must be a positive integer, got {self.version}")
        if self.front not in FRONTS:
            raise ValueError(f"--front must be one of {', '.join(FRONTS)}, got {self.front!r}")
        target = os.path.join(self.out, str(self.version))
        if os.path.exists(target):
            raise ValueError(f"{target} exists; choose another --version or remove it")
        return target


def warmup_images(clean):
    """Warmup inputs: clean images (mostly not flagged) and the same under heavy noise (flagged)."""
    noisy = np.clip(clean + 0.5 * np.sign(np.random.RandomState(0).randn(*clean.shape)), 0, 1)
    return np.concatenate([clean, noisy]).astype(np.float32)


def export_defended(config: ExportConfig):
    """Write the detector-gated SavedModel, its warmup requests and the batching file; returns the folder."""
    from tf_aegan import store
    from tf_aegan.purify import LatentSearchPurifier, fitted_gated_purifier

    target = config.check()
    workdir = config.workdir or store.shipped_dir(config.dataset)
    if config.classifier:  # a defended classifier: the purifier in front of another classifier
        classifier = store.load_keras(config.classifier, "classifier (--classifier)")
    else:
        classifier = store.load_classifier(workdir, "A", config.dataset)
    encoder, decoder = store.load_autoencoder(workdir, config.aegan, config.dataset)
    if tuple(classifier.input_shape[1:]) != tuple(encoder.input_shape[1:]):
        raise ValueError(f"the classifier takes images of shape {tuple(classifier.input_shape[1:])}, the purifier "
                         f"{tuple(encoder.input_shape[1:])}")
    search = dict(steps=config.steps, step_size=config.step_size, factor=config.factor, period=config.period,
                  detector_metric=config.detector_metric)
    if config.threshold is None:  # the data set is needed only to set the threshold
        from tf_aegan.data import load_dataset

        data = load_dataset(config.dataset, config.data_dir)
        purifier = fitted_gated_purifier(encoder, decoder, data, config.fpr, **search)
        clean = data.arrays("val", 2)[0]
    else:
        purifier = LatentSearchPurifier(encoder, decoder, mode="gated", threshold=config.threshold, **search)
        clean = np.zeros((2, *purifier.image_shape), np.float32)
    module = DefendedClassifier(classifier, purifier, info={
        "dataset": config.dataset, "workdir": os.path.abspath(workdir),
        "classifier": os.path.abspath(config.classifier) if config.classifier else "A",
        "threshold_fpr": None if config.threshold is not None else config.fpr}, front=config.front)
    module.save(target, warmup_images=warmup_images(clean), model_name=config.model_name)
    write_batching_parameters(os.path.join(config.out, BATCHING_FILE))
    return target, module.settings
