"""The reconstruction-error detector of Section 4.4: ||x - G(F(x))|| as MSE or L1, with a threshold."""

import numpy as np
import tensorflow as tf
from sklearn.metrics import roc_auc_score, roc_curve

from tf_aegan import checks
from tf_aegan.purify.search import per_example_error
from tf_aegan.purify.validate import check_images

DETECTOR_METRICS = {"mse": "l2", "l1": "l1"}
from tf_aegan.defaults import DETECTOR_FPR as DEFAULT_FPR  # noqa: E402


class Detector:
    """Flags an image as adversarial when its reconstruction error exceeds `threshold`."""

    def __init__(self, encoder, decoder, metric="mse", threshold=None):
        checks.one_of("detector metric", metric, DETECTOR_METRICS)
        self.encoder, self.decoder, self.metric = encoder, decoder, metric
        self.threshold = threshold
        self.image_shape = tuple(encoder.input_shape[1:])
        spec = tf.TensorSpec([None, *self.image_shape], tf.float32)
        self._errors = tf.function(self.errors_tensor, input_signature=[spec])

    def error_of(self, rec, x):
        """The detector's per-image error between a reconstruction `rec` and the input `x`."""
        return per_example_error(rec, x, DETECTOR_METRICS[self.metric])

    def errors_tensor(self, x):
        """Per-image reconstruction error as a tensor (differentiable, no checks)."""
        return self.error_of(self.decoder(self.encoder(x, training=False), training=False), x)

    def errors(self, x, batch_size=500):
        """Per-image reconstruction errors of a checked batch, as a numpy array."""
        x = check_images(x, self.image_shape)
        return np.concatenate([self._errors(x[i:i + batch_size]).numpy() for i in range(0, len(x), batch_size)])

    def fit_threshold(self, x_clean, fpr=DEFAULT_FPR):
        """Set the threshold so that a fraction `fpr` of clean (validation) images is flagged."""
        if not 0 < fpr < 1:
            raise ValueError(f"fpr must be in (0, 1), got {fpr}")
        self.threshold = float(np.quantile(self.errors(x_clean), 1 - fpr))
        return self.threshold

    def flags(self, x):
        if self.threshold is None:
            raise ValueError("the detector has no threshold: pass one or call fit_threshold(clean images)")
        return self.errors(x) > self.threshold

    def roc(self, x_clean, x_adv):
        """sklearn ROC of clean (negative) against adversarial (positive) images: (fpr, tpr, thresholds, auc)."""
        scores = np.concatenate([self.errors(x_clean), self.errors(x_adv)])
        labels = np.concatenate([np.zeros(len(x_clean)), np.ones(len(x_adv))])
        fpr, tpr, thresholds = roc_curve(labels, scores)
        return fpr, tpr, thresholds, float(roc_auc_score(labels, scores))
