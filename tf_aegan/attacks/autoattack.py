"""AutoAttack (Croce & Hein 2020), its "standard" version, on any differentiable `model_fn` (images -> logits).

The ensemble runs, each attack only on the images every earlier attack left correctly classified:
1. APGD-CE: untargeted APGD on the cross-entropy, 100 iterations, 1 restart;
2. APGD-T: targeted APGD on the targeted DLR loss, one run per target class (the 9 classes ranked
   highest after the true one on the clean image), 100 iterations each;
3. Square: the gradient-free Square attack (Andriushchenko et al. 2020), 5000 queries, ART's.
(FAB-T, the standard version's third attack, is left out: it rarely changes the ensemble's number,
Croce & Hein's Table 2, and ART's FAB has no targeted TensorFlow 2 mode.)

APGD is written here in TensorFlow rather than taken from ART 1.20 for three reasons, each tested
against ART on the same images (tests/test_autoattack.py):
- ART's APGD keeps an example only if its *last* iterate fools the model; Croce & Hein keep any
  iterate that does (an image fooled at step 40 and recovered at step 100 counts as broken);
- ART's targeted mode swaps the target into the untargeted DLR loss instead of Croce & Hein's
  targeted DLR, -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2);
- ART's TensorFlow 2 DLR loss loops over images in Python, and every ART step runs two extra
  forward passes; here one tf.function computes loss, logits and gradient per step.
`model_fn` may be anything TensorFlow differentiates: a classifier, a classifier after a purifier
(through the unrolled search), the gated purifier, a SavedModel's signature. For a random defense,
`eot(model_fn, k)` averages its logits over k calls (expectation over transformation).
"""

import math
import time

import numpy as np
import tensorflow as tf

from tf_aegan.attacks.traced import traced

from tf_aegan.stats import accuracy_record


def eot(model_fn, samples):
    """model_fn averaged over `samples` calls: the logits an attacker differentiates through a random
    defense (Athalye et al. 2018's expectation over transformation)."""
    if samples < 1:
        raise ValueError(f"EOT samples must be at least 1, got {samples}")
    if samples == 1:
        return model_fn
    return lambda x: tf.add_n([model_fn(x) for _ in range(samples)]) / float(samples)


def ce_loss(logits, y, target=None):
    """Per-image cross-entropy of the true labels (APGD-CE maximises it)."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)


def dlr_loss(logits, y, target=None):
    """Per-image DLR loss (Croce & Hein Eq. 5): -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3)."""
    srt = tf.sort(logits, axis=-1, direction="DESCENDING")
    z_y = tf.gather(logits, y, batch_dims=1)
    others = tf.where(tf.one_hot(y, tf.shape(logits)[-1]) > 0, tf.fill(tf.shape(logits), -np.inf), logits)
    return -(z_y - tf.reduce_max(others, -1)) / (srt[:, 0] - srt[:, 2] + 1e-12)


def targeted_dlr_loss(logits, y, target):
    """Per-image targeted DLR loss (Croce & Hein Eq. 6): -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2)."""
    srt = tf.sort(logits, axis=-1, direction="DESCENDING")
    z_y = tf.gather(logits, y, batch_dims=1)
    z_t = tf.gather(logits, target, batch_dims=1)
    return -(z_y - z_t) / (srt[:, 0] - 0.5 * (srt[:, 2] + srt[:, 3]) + 1e-12)


LOSSES = {"ce": ce_loss, "dlr": dlr_loss, "dlr-targeted": targeted_dlr_loss}


def _checkpoints(iterations):
    """APGD's step-size checkpoints w_j = ceil(p_j * N) with p_0 = 0, p_1 = 0.22,
    p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06), in integers as fra31/auto-attack counts them
    (first interval 0.22 N, each next 0.03 N shorter, at least 0.06 N)."""
    first = max(int(0.22 * iterations), 1)
    shortest, shrink = max(int(0.06 * iterations), 1), max(int(0.03 * iterations), 1)
    marks, interval = [0, first], first
    while True:
        interval = max(interval - shrink, shortest)
        if marks[-1] + interval > iterations:
            return marks
        marks.append(marks[-1] + interval)


def apgd(model_fn, x, y, eps, iterations=100, loss="ce", target=None, seed=0, rho=0.75, alpha=0.75,
         stop_on_success=True):
    """APGD in the L-infinity ball of radius `eps` (Croce & Hein 2020, Algorithm 1).

    Maximises `loss` ("ce", "dlr", or "dlr-targeted" toward `target`) from a random start on the
    ball's surface, step size 2 eps halved at the checkpoints where progress stalled, momentum
    `alpha`. Returns (x_adv, fooled, x_best): for each image the first iterate that `model_fn`
    misclassified (fooled True), else the iterate of highest loss; and the iterate of highest loss.
    An image stops at its first fooling iterate unless `stop_on_success` is False: where `model_fn`
    only approximates the defense scored (G(F(x)) for the search), that iterate often does not fool
    the defense, while the highest-loss iterate of all `iterations` does. Numpy arrays in [0, 1].
    """
    if loss not in LOSSES:
        raise ValueError(f"APGD loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if loss == "dlr-targeted" and target is None:
        raise ValueError("APGD with the targeted DLR loss needs target classes")
    if not eps > 0 or iterations < 1:
        raise ValueError(f"need eps > 0 and iterations >= 1, got eps={eps}, iterations={iterations}")
    loss_fn = LOSSES[loss]
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.int64)
    t = np.zeros_like(y) if target is None else np.asarray(target, np.int64)
    n = len(x)
    if n == 0:
        return x.copy(), np.zeros(0, bool)
    shape = (n,) + (1,) * (x.ndim - 1)

    def make(fn):
        @tf.function(reduce_retracing=True)
        def value_and_grad(v, labels, targets):
            with tf.GradientTape() as tape:
                tape.watch(v)
                logits = fn(v)
                per_image = loss_fn(logits, labels, targets)
                total = tf.reduce_sum(per_image)
            return per_image, tf.argmax(logits, -1), tape.gradient(total, v)
        return value_and_grad

    value_and_grad = traced(model_fn, ("apgd", loss), make)

    def evaluate(v, idx):
        per_image, pred, grad = value_and_grad(tf.constant(v), tf.constant(y[idx]), tf.constant(t[idx]))
        grad = np.zeros_like(v) if grad is None else grad.numpy()
        return per_image.numpy(), pred.numpy() != y[idx], grad

    def project(v, idx):
        return np.clip(np.clip(v, x[idx] - eps, x[idx] + eps), 0.0, 1.0)

    everyone = np.arange(n)
    rng = np.random.default_rng(seed)
    r = rng.uniform(-1, 1, size=x.shape).astype(np.float32)
    r /= np.maximum(np.abs(r).reshape(n, -1).max(1), 1e-12).reshape(shape)
    x_k = project(x + eps * r, everyone)
    f_k, fooled, grad = evaluate(x_k, everyone)
    x_adv = x_k.copy()  # the first fooling iterate of each image, else its best-loss one
    done = fooled.copy()
    x_best, f_best, grad_best = x_k.copy(), f_k.copy(), grad.copy()
    eta = np.full(shape, 2.0 * eps, np.float32)
    marks = _checkpoints(iterations)
    successes = np.zeros(n)
    f_best_mark, eta_mark = f_best.copy(), eta.copy()
    x_prev = x_k.copy()
    for k in range(iterations):
        # an image stops once fooled (its first fooling iterate is kept): later steps compute the others only
        act = np.flatnonzero(~done) if stop_on_success else everyone
        if len(act) == 0:
            break
        z = project(x_k[act] + eta[act] * np.sign(grad[act]), act)
        a = 1.0 if k == 0 else alpha
        x_next = project(x_k[act] + a * (z - x_k[act]) + (1 - a) * (x_k[act] - x_prev[act]), act)
        f_next, fooled, g = evaluate(x_next, act)
        new = act[fooled & ~done[act]]
        x_adv[new] = x_next[fooled & ~done[act]]
        done[new] = True
        better = f_next > f_best[act]
        successes[act] += f_next > f_k[act]
        up = act[better]
        x_best[up], f_best[up], grad_best[up] = x_next[better], f_next[better], g[better]
        x_prev[act], x_k[act], f_k[act], grad[act] = x_k[act], x_next, f_next, g
        if k + 1 in marks[1:]:
            j = marks.index(k + 1)
            cond = (successes < rho * (marks[j] - marks[j - 1])) | ((eta_mark == eta).reshape(n) & (f_best_mark == f_best))
            eta[cond] /= 2.0
            x_k[cond], grad[cond] = x_best[cond], grad_best[cond]
            successes[:] = 0
            f_best_mark, eta_mark = f_best.copy(), eta.copy()
    x_adv[~done] = x_best[~done]
    return x_adv, done, x_best


def _first_that_fools(predict, candidates, y):
    """Per image, the first of `candidates` (arrays of examples) that `predict` misclassifies, else the
    last; and whether one did."""
    out = candidates[-1].copy()
    left = np.ones(len(y), bool)
    for c in candidates:
        hit = left & (predict(c) != y)
        out[hit] = c[hit]
        left &= ~hit
    return out, ~left


def predict_labels(model_fn, x, batch_size=500):
    """argmax of model_fn over `x` in batches (numpy in, numpy out)."""
    fn = tf.function(model_fn, reduce_retracing=True)
    return np.concatenate([np.argmax(fn(tf.constant(x[i:i + batch_size], tf.float32)).numpy(), 1)
                           for i in range(0, len(x), batch_size)]) if len(x) else np.zeros(0, np.int64)


def square(model_fn, x, y, eps, queries=5000, seed=0, nb_classes=10, batch_size=500):
    """ART's Square attack (L-infinity, margin loss, p_init 0.8), `queries` per image; returns x_adv.

    ART calls the model eagerly once per query; `model_fn` runs as a traced graph instead (the search
    through a purifier: 3x faster per query on this CPU), traced once per model function."""
    from art.attacks.evasion import SquareAttack

    if len(x) == 0:
        return np.asarray(x, np.float32)
    forward = traced(model_fn, ("forward",), lambda fn: tf.function(fn, reduce_retracing=True))
    np.random.seed(seed)
    attack = SquareAttack(art_classifier(forward, x.shape[1:], nb_classes), norm=np.inf, eps=eps,
                          max_iter=queries, p_init=0.8, nb_restarts=1, batch_size=batch_size, verbose=False)
    return attack.generate(np.asarray(x, np.float32), y=np.asarray(y, np.int64))


class _Callable:
    """model_fn as ART's TensorFlowV2Classifier calls it: model(x, training=...)."""

    def __init__(self, model_fn):
        self.model_fn = model_fn

    def __call__(self, x, training=False):
        return self.model_fn(tf.convert_to_tensor(x, tf.float32))


def art_classifier(model_fn, input_shape, nb_classes=10):
    """`model_fn` (images in [0, 1] -> logits) as ART's TensorFlowV2Classifier, with cross-entropy on logits."""
    from art.estimators.classification import TensorFlowV2Classifier

    return TensorFlowV2Classifier(model=_Callable(model_fn), nb_classes=nb_classes, input_shape=tuple(input_shape),
                                  loss_object=tf.keras.losses.CategoricalCrossentropy(from_logits=True),
                                  clip_values=(0.0, 1.0))


ATTACKS = ("apgd-ce", "apgd-t", "square")


def autoattack(model_fn, x, y, eps, iterations=100, targets=9, queries=5000, attacks=ATTACKS, seed=0,
               batch_size=500, predict_fn=None, progress=None, nb_classes=10, square_fn=None, checkpoint=None,
               square_chunk=None, exact=True):
    """AutoAttack's standard ensemble at `eps` on (x, y); each attack only on the images still robust.

    `predict_fn` (images -> labels) scores the examples when the defense scored differs from the
    model differentiated (a differentiable approximation, or a random defense attacked through EOT);
    by default argmax of model_fn. `exact=False` says model_fn's forward pass is not the defense
    scored (G(F(x)) for the search): APGD then runs every iteration on every image instead of stopping
    at model_fn's first fooling iterate, and an image counts as broken when its first fooling iterate
    or its highest-loss one fools `predict_fn`. `square_fn` (images -> logits): what Square queries, by default
    model_fn; give the defense itself where model_fn only approximates it.
    `checkpoint` (an object with `load(unit)` and `save(unit, **arrays)`, e.g. `BatchCache.parts`) keeps
    the state after every unit of work: each APGD run on `batch_size` images, each Square call on
    `square_chunk` images (default `batch_size`); a rerun loads the finished units and goes on from
    the first missing one, so an interrupted run loses at most one unit.
    Returns {"clean": record, "after": {attack: record of the ensemble so far}, "robust": mask,
    "x_adv": examples (the clean image where none was found), "seconds": {attack: s}}.
    """
    bad = [a for a in attacks if a not in ATTACKS]
    if bad:
        raise ValueError(f"unknown AutoAttack attack(s) {', '.join(bad)}; choose from {', '.join(ATTACKS)}")
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.int64)
    say = progress or (lambda s: None)
    predict = predict_fn or (lambda v: predict_labels(model_fn, v, batch_size))
    robust = predict(x) == y
    x_adv = x.copy()
    out = {"clean": accuracy_record(int(robust.sum()), len(y)), "after": {}, "seconds": {}}
    for attack in attacks:
        start = time.time()
        idx = np.flatnonzero(robust)
        if attack == "apgd-ce":
            runs = [dict(loss="ce")]
        elif attack == "apgd-t":
            forward = traced(model_fn, ("forward",), lambda fn: tf.function(fn, reduce_retracing=True))
            clean_logits = np.concatenate([forward(tf.constant(x[i:i + batch_size])).numpy()
                                           for i in range(0, len(x), batch_size)]) if len(idx) else None
            order = np.argsort(-clean_logits, axis=1) if clean_logits is not None else None
            runs = [dict(loss="dlr-targeted", target_rank=k) for k in range(1, 1 + min(targets, nb_classes - 1))]
        else:
            runs = [dict()]
        chunk = (square_chunk or batch_size) if attack == "square" else batch_size
        for r, run in enumerate(runs):
            idx = np.flatnonzero(robust)
            if len(idx) == 0:
                break
            for i in range(0, len(idx), chunk):
                unit = f"{attack}.{r}.{i // chunk}"
                saved = checkpoint.load(unit) if checkpoint is not None else None
                if saved is not None:  # finished before an interruption: its state, not its work
                    robust[:] = saved["robust"]
                    x_adv[saved["broken"]] = saved["adv"]
                    continue
                b = idx[i:i + chunk]
                if attack == "square":
                    cands = [square(square_fn or model_fn, x[b], y[b], eps, queries, seed, nb_classes, batch_size)]
                else:
                    target = None
                    if "target_rank" in run:
                        ranked = order[b]
                        # the k-th highest class other than the true one
                        target = np.array([[c for c in row if c != t][run["target_rank"] - 1]
                                           for row, t in zip(ranked, y[b])])
                    first, _, best = apgd(model_fn, x[b], y[b], eps, iterations, run["loss"], target, seed,
                                          stop_on_success=exact)
                    cands = [first] if exact else [first, best]
                adv, broken = _first_that_fools(predict, [np.clip(np.clip(c, x[b] - eps, x[b] + eps), 0.0, 1.0)
                                                          for c in cands], y[b])
                x_adv[b[broken]] = adv[broken]
                robust[b[broken]] = False
                if checkpoint is not None:
                    checkpoint.save(unit, robust=robust, broken=b[broken], adv=adv[broken])
                    say(f"AutoAttack eps {eps}: {unit} done, {robust.mean():.3f} robust ({time.time() - start:.0f} s)")
        out["after"][attack] = accuracy_record(int(robust.sum()), len(y))
        out.setdefault("robust_after", {})[attack] = robust.copy()
        out["seconds"][attack] = round(time.time() - start, 1)
        say(f"AutoAttack eps {eps}: after {attack}: {robust.mean():.3f} ({out['seconds'][attack]} s)")
    out["robust"] = robust
    out["x_adv"] = x_adv
    out["accuracy"] = accuracy_record(int(robust.sum()), len(y))
    return out
