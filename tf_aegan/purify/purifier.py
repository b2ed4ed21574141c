"""One interface for every defense: a batch of images in [0, 1] in, images of the same shape out.

`purify(x)` returns a `Purified`: the images, per-image flags (True where the image went through
a search: the detector's verdict in gated mode, all True for always-searching defenses, all False
for none and reconstruction only) and, where computed, the detector's reconstruction errors;
`__call__(x)` returns the images.
"""

import dataclasses
from typing import Optional

import numpy as np
import tensorflow as tf

from tf_aegan import checks
from tf_aegan.progress import Progress
from tf_aegan.purify import search as S
from tf_aegan.purify.detector import Detector
from tf_aegan.purify.gradients import bpda_identity, bpda_through
from tf_aegan.purify.validate import check_images

MODES = ("reconstruct", "search", "gated")


@dataclasses.dataclass
class Purified:
    images: tf.Tensor
    flags: tf.Tensor
    errors: Optional[tf.Tensor] = None


class Purifier:
    """Base class: checks inputs, then `_purify` (a batch of float32 tensors)."""

    name = "none"

    def __init__(self, image_shape):
        self.image_shape = tuple(int(s) for s in image_shape)

    def purify(self, x):
        return self._purify(check_images(x, self.image_shape))

    def __call__(self, x):
        return self.purify(x).images

    def purify_all(self, x, batch_size=100, progress=False):
        """Purify a large array in batches; returns numpy (images, flags, errors or None)."""
        x = check_images(x, self.image_shape)
        bar = Progress(len(x), "image", label="purify") if progress else None
        parts = []
        for i in range(0, len(x), batch_size):
            out = self._purify(x[i:i + batch_size])
            parts.append(out)
            if bar:
                bar.add(int(out.images.shape[0]))
        errors = None if parts[0].errors is None else np.concatenate([p.errors.numpy() for p in parts])
        return (np.concatenate([p.images.numpy() for p in parts]),
                np.concatenate([p.flags.numpy() for p in parts]), errors)

    random = False  # a random purifier (Defense-GAN's restarts): an attacker averages its gradients (EOT)

    def white_box_part(self, x):
        """The differentiable part a white-box attacker differentiates through (identity if none)."""
        return x

    def forward_tensor(self, x):
        """The purified images as a tensor: what the defended classifier sees."""
        return x

    def label(self):
        """How the defense is named in the adaptive tables."""
        return "(classifier)"

    def gradient_paths(self, classifier):
        """How a white-box attacker differentiates through the defense `classifier(purifier(x))`: path
        name -> model_fn (images -> logits). Without a purifier: the classifier itself ("pgd")."""
        return {"pgd": classifier}

    def _purify(self, x):
        return Purified(x, tf.zeros(tf.shape(x)[0], tf.bool))


class LatentSearchPurifier(Purifier):
    """AE-GAN+r (mode 'reconstruct'), AE-GAN+rs ('search') and the detector-gated purifier ('gated').

    'search' runs Algorithm 2 from z0 = F(x); 'gated' searches only the images the detector flags
    and gives the others G(F(x)). The same class serves AE+s and BiGAN+s with their encoders.
    """

    def __init__(self, encoder, decoder, mode="gated", steps=None, step_size=None,
                 factor=None, period=None, metric="l2", detector_metric="mse",
                 threshold=None, name="ours"):
        # a setting not given: the one chosen for this network (store.load_autoencoder's search_settings,
        # from its folder's search.json), else Algorithm 2's defaults
        chosen = {**{"steps": S.SEARCH_STEPS, "step_size": S.SEARCH_STEP_SIZE, "factor": S.SEARCH_FACTOR,
                     "period": S.SEARCH_PERIOD}, **(getattr(encoder, "search_settings", None) or {})}
        steps = chosen["steps"] if steps is None else steps
        step_size = chosen["step_size"] if step_size is None else step_size
        factor = chosen["factor"] if factor is None else factor
        period = chosen["period"] if period is None else period
        super().__init__(encoder.input_shape[1:])
        checks.one_of("purifier mode", mode, MODES)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        checks.one_of("search metric", metric, S.METRICS)
        self.encoder, self.decoder, self.mode, self.name = encoder, decoder, mode, name
        self.steps, self.step_size, self.factor, self.period, self.metric = steps, step_size, factor, period, metric
        self.detector = Detector(encoder, decoder, detector_metric, threshold)
        spec = tf.TensorSpec([None, *self.image_shape], tf.float32)
        self._search_fn = tf.function(self.search_tensor, input_signature=[spec])
        self._reconstruct_fn = tf.function(self._reconstruct, input_signature=[spec])
        self._gated_fn = tf.function(self.gated_tensor, input_signature=[spec, tf.TensorSpec([], tf.float32)])

    @property
    def threshold(self):
        return self.detector.threshold

    def search_from(self, x, z0):
        """G(z_L) after the L-step search from z0 (a differentiable tensor computation)."""
        z = S.descend(self.decoder, x, z0, self.steps, self.step_size, self.factor, self.period,
                      z_min=-1.0, z_max=1.0, metric=self.metric)
        return self.decoder(z, training=False)

    def search_tensor(self, x):
        """AE-GAN+rs on a batch tensor, differentiable end to end (for adaptive attacks)."""
        return self.search_from(x, self.encoder(x, training=False))

    def reconstruct_tensor(self, x):
        """G(F(x)), the differentiable part attacked in the paper's white-box setting."""
        return self.decoder(self.encoder(x, training=False), training=False)

    white_box_part = reconstruct_tensor

    def forward_tensor(self, x):
        return self.reconstruct_tensor(x) if self.mode == "reconstruct" else self.search_tensor(x)

    def label(self):
        return "(reformer)" if self.mode == "reconstruct" else f"(search, L {self.steps})"

    def gradient_paths(self, classifier):
        """G(F(x)) is exact for the reformer (MagNet); for the search: through G(F(x)) (the paper's
        white-box part), the whole unrolled search, and BPDA with G(F(x))'s gradient."""
        rec = lambda v: classifier(self.reconstruct_tensor(v))  # noqa: E731
        if self.mode == "reconstruct":
            return {"fgsm-white": rec, "reconstruct": rec}
        return {"fgsm-white": rec, "reconstruct": rec,
                "bpda-gf": lambda v: classifier(bpda_through(self.search_tensor, self.reconstruct_tensor)(v)),
                "search": lambda v: classifier(self.search_tensor(v))}

    def _reconstruct(self, x):
        rec = self.reconstruct_tensor(x)
        return rec, self.detector.error_of(rec, x)

    def gated_tensor(self, x, threshold):
        """(images, flags, errors): the search for images whose reconstruction error exceeds `threshold`,
        G(F(x)) for the others. Shared by the in-process purifier and the exported SavedModel."""
        z0 = self.encoder(x, training=False)
        rec = self.decoder(z0, training=False)
        errors = self.detector.error_of(rec, x)
        flags = errors > threshold

        def search_flagged():
            # Selection and placement by one-hot products, not gather/scatter: their gradients are
            # dense, so both tf.cond branches differentiate to the same structure (a gather's
            # IndexedSlices made the served graph's gradient fail).
            select = tf.one_hot(tf.where(flags)[:, 0], tf.shape(x)[0], dtype=x.dtype)  # [flagged, batch]
            searched = self.search_from(tf.einsum("kn,nhwc->khwc", select, x), tf.matmul(select, z0))
            keep = tf.cast(tf.logical_not(flags), x.dtype)[:, None, None, None]
            return rec * keep + tf.einsum("kn,khwc->nhwc", select, searched)

        # tf.cond: an empty batch would break the transposed convolutions' gradients.
        return tf.cond(tf.reduce_any(flags), search_flagged, lambda: rec), flags, errors

    def _purify(self, x):
        if self.mode == "gated":
            if self.threshold is None:
                raise ValueError("gated mode needs a detector threshold: pass threshold= or call "
                                 "purifier.detector.fit_threshold(clean validation images)")
            images, flags, errors = self._gated_fn(x, tf.constant(self.threshold, tf.float32))
            return Purified(images, flags, errors)
        if self.mode == "reconstruct":
            rec, errors = self._reconstruct_fn(x)
            return Purified(rec, tf.zeros(tf.shape(x)[0], tf.bool), errors)
        return Purified(self._search_fn(x), tf.ones(tf.shape(x)[0], tf.bool))


class DefenseGANPurifier(Purifier):
    """Defense-GAN's projection: R random starts, L momentum steps each, the best restart kept per image."""

    name = "defensegan"
    random = True

    def __init__(self, decoder, steps=S.DGAN_STEPS, restarts=S.DGAN_RESTARTS, lr=S.DGAN_LR,
                 momentum=S.DGAN_MOMENTUM, decay_at=S.DGAN_DECAY_AT, prior="normal", z_range=None, seed=0,
                 metric="l2", init_std=S.DGAN_INIT_STD):
        super().__init__(decoder.output_shape[1:])
        if restarts < 1 or steps < 0:
            raise ValueError(f"need restarts >= 1 and steps >= 0, got restarts={restarts}, steps={steps}")
        if prior not in ("normal", "uniform"):
            raise ValueError(f"unknown prior {prior!r}; choose normal or uniform")
        self.decoder, self.steps, self.restarts, self.lr, self.momentum = decoder, steps, restarts, lr, momentum
        self.period = max(1, int(round(decay_at * steps)))
        self.prior, self.z_range, self.metric = prior, z_range, metric
        self.latent_dim = int(decoder.input_shape[-1])
        # Restarts start at N(0, init_std^2); None: Defense-GAN's code, 1/sqrt(latent_dim).
        self.init_std = float(init_std) if init_std is not None else self.latent_dim ** -0.5
        if not self.init_std > 0:
            raise ValueError(f"init_std must be > 0, got {init_std}")
        self.rng = tf.random.Generator.from_seed(seed)
        spec = tf.TensorSpec([None, *self.image_shape], tf.float32)
        self._fn = tf.function(self.project, input_signature=[spec])

    def initial_codes(self, n):
        shape = tf.stack([self.restarts * n, self.latent_dim])
        if self.prior == "normal":
            return self.rng.normal(shape, stddev=self.init_std)
        return self.rng.uniform(shape, -1.0, 1.0)

    def project(self, x):
        """G(z*) for the best of R searches per image; returns (images, errors)."""
        x_tiled = tf.tile(x, [self.restarts, 1, 1, 1])
        lo, hi = self.z_range if self.z_range else (None, None)
        z = S.descend(self.decoder, x_tiled, self.initial_codes(tf.shape(x)[0]), self.steps, self.lr, 0.1,
                      self.period, self.momentum, lo, hi, self.metric)
        z, errors = S.best_of_restarts(self.decoder, x, z, self.restarts, self.metric)
        return self.decoder(z, training=False), errors

    def forward_tensor(self, x):
        return self.project(x)[0]

    def label(self):
        return f"(L {self.steps}, R {self.restarts})"

    def gradient_paths(self, classifier):
        """The projection's gradient is useless (Athalye et al. 2018): BPDA with the identity, averaged
        over its random restarts (EOT: `random`)."""
        return {"bpda": lambda v: classifier(bpda_identity(self.forward_tensor)(v))}

    def _purify(self, x):
        images, errors = self._fn(x)
        return Purified(images, tf.ones(tf.shape(x)[0], tf.bool), errors)
