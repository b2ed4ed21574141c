"""Adaptive attacks on a purification defense, with the sanity checks of Carlini et al. (2019).

For each method with networks, L-infinity PGD (true labels by default, random starts, the worst
case over restarts per image) with gradients taken along several paths:

| attack | gradient path | evaluated on |
|---|---|---|
| `pgd` | A alone (method `none`) | A |
| `fgsm-white` | one FGSM step through A(G(F(x))): the paper's non-adaptive white-box | the defense |
| `reconstruct` | PGD through A(G(F(x))), the search left out | the defense |
| `bpda` | the purifier forward, the identity backward (Athalye et al. 2018) | the defense |
| `bpda-gf` | the purifier forward, the gradient of G(F(x)) backward (BPDA with a closer approximation) | the defense |
| `search` | the whole unrolled L-step search | AE-GAN+rs (always searching) |
| `gated` | the detector-gated purifier as served (tf.cond and all) | the gated purifier |
| `gated-detector` | `gated` minus a penalty on the reconstruction error above the threshold | the gated purifier |
| `served` | the exported SavedModel's `serving_default`, loaded with `tf.saved_model.load` | the SavedModel |
| `cw` | CleverHans' CW-L2 through the unrolled search | AE-GAN+rs |
| `autoattack` | AutoAttack's standard ensemble (APGD-CE, APGD-T, Square; `tf_aegan.attacks.autoattack`) along each of the defense's gradient paths in `aa_paths` (the classifier; G(F(x)); the unrolled search), the worst case over paths per image; Square queries the defense scored | the defense |

Results are written after every row; computed batches are cached, so a rerun resumes.
"""

import dataclasses
import itertools
import json
import os
import tempfile
import time

import numpy as np

from tf_aegan import checks, defaults
from tf_aegan.reports import write_report
from tf_aegan.stats import fmt
from tf_aegan.tables import BatchCache, fingerprint

# Attacks whose gradient path's forward pass is the defense scored: PGD may stop an image as soon as
# it is misclassified (the example found is kept), so later steps run on the survivors only.
EARLY_STOP = ("pgd", "bpda", "bpda-gf", "search", "gated", "gated-detector", "served")
ATTACKS = ("pgd", "fgsm-white", "reconstruct", "bpda", "bpda-gf", "search", "gated", "gated-detector", "served", "cw",
           "autoattack")
# AutoAttack's gradient paths, in the order tried: each later path attacks only what the earlier left.
AA_PATHS = ("pgd", "reconstruct", "search", "bpda", "served", "gated")
DEFAULT_ATTACKS = ("pgd", "fgsm-white", "reconstruct", "bpda", "bpda-gf", "search", "gated", "gated-detector", "served")


# The settings a cached batch depends on (the rest, e.g. which attacks or eps run, is in each batch's
# key or decides only whether it runs): a rerun with more attacks or eps reuses what was computed.
CACHE_FIELDS = ("dataset", "workdir", "aegan", "n", "steps", "step_size", "labels", "fpr", "penalty_weight", "eot",
                "search_steps", "cw_iterations", "cw_binary_steps", "batch_size", "seed", "aa_iterations", "aa_targets",
                "aa_queries", "aa_paths", "folders", "classifier", "split", "dgan_steps", "dgan_restarts")
# Fields added after caches were committed: in the key only when they differ from these defaults, so a
# new option never orphans the batches of a run that did not use it.
LATER_FIELDS = {"classifier": None, "split": "test", "dgan_steps": None, "dgan_restarts": None}


def cache_key_settings(settings):
    """The settings a cached batch depends on (CACHE_FIELDS, later ones only when not at their default). The
    AE-GAN enters by its networks' contents (`fingerprint`), not its folder's name: a folder renamed (the
    latent-128 network kept as aegan_z128 when Ours changed) keeps its batches."""
    key = {k: settings[k] for k in CACHE_FIELDS if k not in LATER_FIELDS or settings[k] != LATER_FIELDS[k]}
    return {**key, "aegan": "aegan"} if "aegan" in key else key


@dataclasses.dataclass
class AdaptiveConfig:
    dataset: str = "fashion_mnist"
    data_dir: str = None
    workdir: str = None                       # default weights/<dataset>
    aegan: str = "aegan"
    methods: tuple = ("none", "ours")
    attacks: tuple = DEFAULT_ATTACKS
    eps: tuple = (0.1, 0.2, 0.3)
    n: int = 500
    steps: int = 100                          # PGD iterations (Carlini et al.: at least 100)
    restarts: int = 3
    step_size: float = None                   # default 2.5 * eps / steps (Madry et al.)
    labels: str = "true"                      # the strongest choice for the attacker
    fpr: float = defaults.DETECTOR_FPR        # the gated purifier's threshold on clean validation images
    penalty_weight: float = 1000.0            # gated-detector: weight on the MSE above the threshold
    eot: int = 4                              # EOT samples per PGD step on a random defense (Defense-GAN)
    search_steps: int = None                  # L of the purifier; default its own
    cw_iterations: int = 100
    cw_binary_steps: int = 3
    sanity: bool = True
    sanity_n: int = 100                       # images for the eps sweep to 1 and the step check
    spsa_n: int = 20                          # images for the gradient-free check (SPSA is slow)
    spsa_steps: int = 100
    spsa_samples: int = 64
    batch_size: int = 100
    seed: int = 0
    keep_cache: bool = False                  # keep the batches for a later run with more eps/attacks/methods
    aa_iterations: int = 100                  # AutoAttack standard: APGD iterations
    aa_targets: int = 9                       # APGD-T target classes
    aa_queries: int = 5000                    # Square queries on a bare classifier
    aa_queries_purifier: int = 1000           # Square queries through a purifier (each query runs the search)
    aa_queries_for: tuple = ()                # method=N pairs: Square queries for that method instead (a costly search)
    aa_paths: tuple = ("pgd", "reconstruct", "bpda", "served")
    aa_n: int = None                          # AutoAttack on the first aa_n images only (default: n)
    folders: tuple = ()                       # method=folder pairs: another work-directory folder for a method
    classifier: str = None                    # the classifier behind every purifier (a .keras file; default A):
                                              # a defended classifier, e.g. AE-GAN+rs in front of an adversarially trained A
    split: str = "test"                       # "val" for a study's pick, "test" for its report
    dgan_steps: int = None                    # Defense-GAN's L and R (default: its code's 200 and 10)
    dgan_restarts: int = None
    out: str = defaults.RESULTS_OUT

    def check(self):
        bad = [a for a in self.attacks if a not in ATTACKS]
        if bad:
            raise ValueError(f"unknown attack(s) {', '.join(bad)}; choose from {', '.join(ATTACKS)}")
        if not self.eps or any(not 0 < e <= 1 for e in self.eps):
            raise ValueError(f"eps must be in (0, 1], got {self.eps}")
        for name in ("n", "steps", "restarts", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        checks.one_of("attack labels", self.labels, defaults.ATTACK_LABELS)
        checks.one_of("split", self.split, ("val", "test"))
        checks.method_counts(self.aa_queries_for, "aa-queries-for")


@dataclasses.dataclass
class Defense:
    """What an attack is scored on: `predict(x) -> labels, flags`; the gradient paths it offers."""
    method: str
    name: str
    predict: object
    paths: dict
    keep: object = None  # what must stay alive for the paths (a loaded SavedModel)
    eot: int = 1         # gradients averaged over this many calls (a random defense: Defense-GAN)
    networks: str = ""   # fingerprint of a baseline's own networks: its cached batches are keyed by it


def _defenses(method, a, workdir, config, data, progress):
    """The defenses of `method` and their gradient paths (model_fn: images -> logits)."""
    import tensorflow as tf

    from tf_aegan import store
    from tf_aegan.attacks.adaptive import bpda_identity, bpda_through
    from tf_aegan.purify import LatentSearchPurifier, fitted_gated_purifier

    def labels_of(fn):
        return lambda x: (np.argmax(fn(tf.constant(x)).numpy(), 1), np.zeros(len(x), bool))

    if method == "none":
        name = "A" if not config.classifier else f"classifier {os.path.basename(os.path.dirname(os.path.abspath(config.classifier)))}"
        return [Defense("none", name, labels_of(a), {"pgd": a})]
    if method != "ours":
        base = _baseline(method, a, workdir, config, labels_of)
        if method == "advtr" and "served" in config.attacks:
            return [base, _served_detect(base, workdir, config, data, progress)]
        return [base]
    enc, dec = store.load_autoencoder(workdir, _aegan_folder(config), config.dataset)
    kw = {} if config.search_steps is None else {"steps": config.search_steps}
    search = LatentSearchPurifier(enc, dec, mode="search", **kw)
    gated = fitted_gated_purifier(enc, dec, data, config.fpr, **kw)
    threshold = gated.threshold
    thr = tf.constant(threshold, tf.float32)
    search_fn = tf.function(search.search_tensor, reduce_retracing=True)
    gated_fn = tf.function(lambda v: gated.gated_tensor(v, thr), reduce_retracing=True)

    def predict_search(x):
        return np.argmax(a(search_fn(tf.constant(x))).numpy(), 1), np.ones(len(x), bool)

    def predict_gated(x):
        images, flags, _ = gated_fn(tf.constant(x))
        return np.argmax(a(images).numpy(), 1), flags.numpy()

    # the purifier's own paths (through G(F(x)), the unrolled search, BPDA with G(F(x))'s gradient), plus
    # BPDA with the identity and CW-L2 through the search
    paths_search = {**search.gradient_paths(a), "bpda": lambda v: a(bpda_identity(search.search_tensor)(v)),
                    "cw": lambda v: a(search.search_tensor(v))}
    gated_path = lambda v: a(gated.gated_tensor(v, thr)[0])  # noqa: E731
    paths_gated = {"fgsm-white": lambda v: a(search.reconstruct_tensor(v)),
                   "reconstruct": lambda v: a(search.reconstruct_tensor(v)),
                   "bpda": lambda v: a(bpda_identity(lambda u: gated.gated_tensor(u, thr)[0])(v)),
                   "bpda-gf": lambda v: a(bpda_through(lambda u: gated.gated_tensor(u, thr)[0],
                                                       search.reconstruct_tensor)(v)),
                   "gated": gated_path,
                   "gated-detector": (gated_path, lambda v: tf.nn.relu(gated.detector.errors_tensor(v) - 0.9 * thr))}
    defenses = [Defense("ours", "AE-GAN+rs (search)", predict_search, paths_search),
                Defense("ours", f"gated (threshold {threshold:.4g}, fpr {config.fpr})", predict_gated, paths_gated)]
    if "served" in config.attacks:
        from tf_aegan.serving import DefendedClassifier

        defenses.append(_served("ours", "SavedModel serving_default", DefendedClassifier(a, gated),
                                "the gated purifier", progress))
    return defenses


def _served(method, name, module, what, progress, networks=""):
    """`module` (a `DefendedClassifier`) exported and loaded back with `tf.saved_model.load`, as a Defense whose
    `served` path is `serving_default` itself: the attack scores what TF-Serving would run."""
    import tensorflow as tf

    folder = tempfile.mkdtemp(prefix="tf_aegan_served_")
    module.save(os.path.join(folder, "1"))
    loaded = tf.saved_model.load(os.path.join(folder, "1"))
    served = loaded.signatures["serving_default"]
    progress(f"exported {what} to {folder}/1 and loaded it with tf.saved_model.load")
    logits = lambda v: tf.math.log(served(images=v)["probabilities"] + 1e-12)  # noqa: E731

    def predict_served(x):
        out = served(images=tf.constant(x))
        return out["classes"].numpy(), out["flagged"].numpy()

    return Defense(method, name, predict_served, {"served": logits}, loaded, networks=networks)


def _served_detect(base, workdir, config, data, progress):
    """The adversarially trained classifier as `export.savedmodel --front detect` serves it (the shipped
    AE-GAN's detector beside it as advice), through `_served`. Its batches carry the classifier's key
    (`base.networks`)."""
    from tf_aegan import store
    from tf_aegan.methods import load_method
    from tf_aegan.purify import fitted_gated_purifier
    from tf_aegan.serving import DefendedClassifier

    m = load_method("advtr", workdir, config.dataset, folders=checks.method_folders(config.folders))
    enc, dec = store.load_autoencoder(workdir, _aegan_folder(config), config.dataset)
    gated = fitted_gated_purifier(enc, dec, data, config.fpr)
    return _served("advtr", "SavedModel serving_default (front detect)",
                   DefendedClassifier(m.classifier, gated, front="detect"), f"{base.name} with --front detect", progress,
                   networks=base.networks)


def _baseline(method, a, workdir, config, labels_of):
    """`_baseline_defense` keyed by its own networks, so shipping or retraining one baseline leaves
    every other row's cached batches valid."""
    from tf_aegan.methods import REGISTRY

    defense = _baseline_defense(method, a, workdir, config, labels_of)
    folder = (checks.method_folders(config.folders) or {}).get(method, REGISTRY[method][1])
    return dataclasses.replace(defense, networks=fingerprint({}, os.path.join(workdir, folder)))


def _baseline_defense(method, a, workdir, config, labels_of):
    """A baseline of Table 1 as a Defense: its method says how a white-box attacker differentiates
    through it (`Purifier.gradient_paths`: PGD on the adversarially trained classifier; through MagNet's
    reformer, exact; BPDA with EOT over Defense-GAN's random restarts; the search paths of BiGAN+s and
    AE+s); the defense scored is the classifier on the purifier's output."""
    import tensorflow as tf

    from tf_aegan.methods import load_method
    from tf_aegan.tables import dgan_of

    m = load_method(method, workdir, config.dataset, classifier=a, folders=checks.method_folders(config.folders),
                    dgan=dgan_of(config))
    pur, clf = m.purifier, m.classifier
    forward = tf.function(pur.forward_tensor, reduce_retracing=True)
    return Defense(method, f"{method} {pur.label()}", labels_of(lambda v: clf(forward(v))),
                   m.gradient_paths(), eot=config.eot if pur.random else 1)


# Attacks whose first restart starts at the non-adaptive white-box FGSM example (through G(F(x))) and
# stops each image once it is broken: never weaker than that FGSM, image by image. BPDA with the
# identity as backward pass needs it here (its gradient alone is weaker than FGSM through G(F(x))).
WARM_STARTED = ("bpda",)


def _attack_fn(attack, path, eps, config, seed, eot=1, warm_path=None):
    """images, labels -> adversarial images along `path`; `warm_path`: start from FGSM along it."""
    from tf_aegan.attacks import carlini_wagner_l2, fgsm
    from tf_aegan.attacks.adaptive import pgd_linf

    if attack == "cw":
        return lambda x, y: carlini_wagner_l2(path, x, max_iterations=config.cw_iterations,
                                              binary_search_steps=config.cw_binary_steps)
    step_size = config.step_size or 2.5 * eps / config.steps
    if attack == "fgsm-white":
        return lambda x, y: fgsm(path, x, eps, y=y)
    early = attack in EARLY_STOP and eot == 1  # a random defense may score a stopped image right
    if attack == "gated-detector":
        model_fn, penalty = path
        return lambda x, y: pgd_linf(model_fn, x, y, eps, step_size, config.steps, seed=seed, penalty_fn=penalty,
                                     penalty_weight=config.penalty_weight, early_stop=early)
    if warm_path is not None:
        return lambda x, y: pgd_linf(path, x, y, eps, step_size, config.steps, seed=seed, early_stop=early, eot=eot,
                                     x_init=fgsm(warm_path, x, eps, y=y))
    return lambda x, y: pgd_linf(path, x, y, eps, step_size, config.steps, seed=seed, early_stop=early, eot=eot)


def _evaluate(defense, attack, eps, config, x, y, y_attack, cache, restarts=None, steps=None):
    """Robust accuracy of `defense` under `attack` at `eps`: an image counts when every restart fails.

    Restarts after the first attack only the images no restart has broken yet (the worst case over
    restarts is the same, at a fraction of the cost)."""
    from tf_aegan.stats import accuracy_record

    restarts = 1 if attack in ("fgsm-white", "cw") else (restarts or config.restarts)
    cfg = config if steps is None else dataclasses.replace(config, steps=steps)
    path = defense.paths[attack]
    correct = np.ones(len(y), bool)
    flagged = np.zeros(len(y), bool)
    l2 = np.full(len(y), np.nan)  # the L2 distortion of each image's example (mean over the ones that fool)
    bs = config.batch_size
    for r in range(restarts):
        todo = np.flatnonzero(correct)
        warm = defense.paths.get("fgsm-white") if attack in WARM_STARTED and r == 0 else None
        make = _attack_fn(attack, path, eps, cfg, config.seed + r, defense.eot, warm)
        key = (f"{defense.name}|{attack}|{eps}|{cfg.steps}|{r}|{len(y)}|{len(todo)}" + ("|warm" if warm else "")
               + (f"|{defense.networks}" if defense.networks else "")).replace("/", "_").replace(" ", "_")
        for i in range(0, len(todo), bs):
            idx = todo[i:i + bs]
            out = cache.get(key, i // bs, lambda: _scored_batch(make, defense, x[idx], y[idx], y_attack[idx]))
            pred, flags = out[0].astype(np.int64), out[1].astype(bool)
            newly = pred != y[idx]
            flagged[idx] = np.where(newly | (r == 0), flags, flagged[idx])
            if len(out) > 2:  # batches cached before the distortion was recorded have two rows
                l2[idx] = np.where(newly | (r == 0), out[2], l2[idx])
            correct[idx] &= ~newly
    return {"method": defense.method, "defense": defense.name, "attack": attack, "eps": eps,
            "steps": {"fgsm-white": 1, "cw": config.cw_iterations * config.cw_binary_steps}.get(attack, cfg.steps),
            "restarts": restarts,
            **accuracy_record(int(correct.sum()), len(y)), "flagged": float(flagged.mean()),
            "mean_l2": None if np.isnan(l2[~correct]).all() else float(np.nanmean(l2[~correct])),
            "_correct": correct}


def _aa_square_path(defense):
    """What Square queries: the defense as scored (the search, the gated purifier, the served model),
    not a differentiable approximation of it."""
    for p in ("search", "gated", "served", "pgd", "reconstruct", "bpda"):
        if p in defense.paths:
            return defense.paths[p]


# Square through a purifier queries the search itself (minutes per 100 images and 100 queries on this
# CPU): it runs on chunks of this many images, each kept when done, so an interrupted batch loses one chunk.
SQUARE_CHUNK_PURIFIER = 20


def _aa_names(paths):
    """The ensemble's stages in order: APGD-CE and APGD-T along each path, then Square once, querying
    the defense itself (whatever the path). One path keeps the name `<path>/square`."""
    return [f"{p}/{a}" for p in paths for a in ("apgd-ce", "apgd-t")] + [
        f"{paths[0]}/square" if len(paths) == 1 else "square"]


def square_queries(config, method, bare):
    """Square's query budget for `method`: `aa_queries_for`'s METHOD=N if it names the method (AE-GAN+rs's
    search makes every query cost a forward pass of L steps), else the bare or purifier budget."""
    given = checks.method_counts(config.aa_queries_for, "aa-queries-for")
    return given.get(method, config.aa_queries if bare else config.aa_queries_purifier)


def _evaluate_autoattack(defense, eps, config, x, y, cache, progress):
    """AutoAttack's standard ensemble at `eps`: APGD-CE and APGD-T along each gradient path of
    `config.aa_paths` the defense has, each on the images the earlier ones left, then Square on what
    is left, querying the defense itself; an image counts when nothing broke it. Cached per batch of
    images and per finished unit (resumable)."""
    from tf_aegan.attacks.autoattack import autoattack, eot
    from tf_aegan.stats import accuracy_record

    m = min(config.aa_n or len(y), len(y))
    paths = [p for p in config.aa_paths if p in defense.paths]
    bare = "pgd" in defense.paths or defense.method == "advtr"  # a classifier, in process or served
    queries = square_queries(config, defense.method, bare)
    square_fn = _aa_square_path(defense)
    predict = lambda v: defense.predict(v)[0]  # noqa: E731
    # with several paths, Square runs once at the end (it once ran after every path): the key says so
    form = "|square-once" if len(paths) > 1 else ""
    key = (f"{defense.name}|autoattack|{eps}|{config.aa_iterations}|{config.aa_targets}|{queries}|{'+'.join(paths)}"
           f"|{m}" + (f"|{defense.networks}" if defense.networks else "") + form).replace("/", "_").replace(" ", "_")
    bs = config.batch_size

    def batch(i):
        xb, yb = x[i:i + bs], y[i:i + bs]
        robust = predict(xb) == yb
        rows = [robust.copy()]
        stages = [(p, eot(defense.paths[p], defense.eot), ("apgd-ce", "apgd-t")) for p in paths]
        stages.append(("defense", square_fn, ("square",)))
        for p, fn, attacks in stages:
            idx = np.flatnonzero(robust)
            res = autoattack(fn, xb[idx], yb[idx], eps, config.aa_iterations, config.aa_targets, queries,
                             attacks=attacks, seed=config.seed, batch_size=bs, predict_fn=predict,
                             square_fn=square_fn, checkpoint=cache.parts(key, i // bs, p),
                             square_chunk=None if bare else SQUARE_CHUNK_PURIFIER,
                             progress=lambda s: progress(f"    {defense.name} {p}: {s}")) if len(idx) else None
            for a in attacks:
                if res is not None:
                    # per attack: robust after it (the images this stage did not attack stay as they were)
                    robust[idx] = res["robust_after"][a]
                rows.append(robust.copy())
        return np.stack(rows).astype(np.float64)

    t = time.time()
    done = sum(cache.has(key, i // bs) for i in range(0, m, bs))
    if done < (m + bs - 1) // bs:
        per_step = _seconds_per_gradient(defense, paths, x[:min(bs, m)], y[:min(bs, m)])
        runs = 1 + config.aa_targets
        worst = per_step * config.aa_iterations * runs * ((m - done * bs) / min(bs, m))
        progress(f"  AutoAttack {defense.name} eps {eps}: at most about {worst / 60:.0f} min for the APGD runs "
                 f"({per_step:.2f} s per gradient step of {min(bs, m)} images over {len(paths)} path(s), "
                 f"{config.aa_iterations} steps x {runs} runs; far less as images fall) plus Square"
                 + (f"; {done} batches already computed" if done else ""))
    masks = []
    for i in range(0, m, bs):
        masks.append(cache.get(key, i // bs, lambda: batch(i)))
        for p in paths + ["defense"]:
            cache.parts(key, i // bs, p).clear()
        progress(f"  AutoAttack {defense.name} eps {eps}: {min(i + bs, m)}/{m} images ({time.time() - t:.0f} s)")
    masks = np.concatenate(masks, axis=1).astype(bool)
    names = _aa_names(paths)
    after = {name: accuracy_record(int(masks[k + 1].sum()), m) for k, name in enumerate(names)}
    return {"method": defense.method, "defense": defense.name, "attack": "autoattack", "eps": eps,
            "steps": config.aa_iterations, "restarts": 1, **accuracy_record(int(masks[-1].sum()), m),
            "flagged": 0.0, "mean_l2": None, "clean": accuracy_record(int(masks[0].sum()), m), "paths": paths,
            "after": after, "square_queries": queries, "targets": config.aa_targets, "eot": defense.eot,
            "_correct": masks[-1]}


TIMING_IMAGES = 20  # images the inference time is measured on (Defense-GAN answers about one a second)


def seconds_per_image(defense, x):
    """Seconds `defense` takes to classify one of the images `x` (one batch, timed after a warm-up call)."""
    defense.predict(x)
    t = time.time()
    defense.predict(x)
    return (time.time() - t) / len(x)


def _seconds_per_gradient(defense, paths, x, y):
    """Seconds of one loss-and-gradient step through all `paths` on (x, y), timed after a warm-up:
    the unit of AutoAttack's time estimate."""
    import tensorflow as tf

    total = 0.0
    for p in paths:
        fn = defense.paths[p]

        @tf.function(reduce_retracing=True)
        def step(v, labels):
            with tf.GradientTape() as tape:
                tape.watch(v)
                loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=fn(v)))
            return tape.gradient(loss, v)

        xs, ys = tf.constant(x), tf.constant(y)
        step(xs, ys)
        t = time.time()
        step(xs, ys)
        total += time.time() - t
    return total * max(1, defense.eot)


def _scored_batch(make, defense, x, y, y_attack):
    adv = np.asarray(make(x, y_attack), np.float32)
    if np.abs(adv - x).max() > 1 + 1e-6 or adv.min() < 0 or adv.max() > 1:
        raise ValueError("an attack left [0, 1]")
    pred, flags = defense.predict(adv)
    dist = np.sqrt(((adv - x).astype(np.float64) ** 2).reshape(len(x), -1).sum(1))
    return np.stack([pred.astype(np.float64), flags.astype(np.float64), dist])


def _aegan_folder(config):
    """Ours' AE-GAN, in the work directory or a path: `--folder ours=DIR` (e.g. a defended design's
    fine-tuned purifier), else `--aegan`."""
    return (checks.method_folders(config.folders) or {}).get("ours", config.aegan)


def _network_folders(workdir, aegan):
    """The folders whose networks the cache folder's key covers: classifier A's and the AE-GAN's (every
    row but a baseline's uses only these; a baseline's batches carry its own networks' key)."""
    from tf_aegan.store import classifier_dir

    return classifier_dir(workdir, "A"), os.path.join(workdir, aegan)


def run_adaptive(config: AdaptiveConfig, progress=print):
    """Every (defense, attack, eps) row and the sanity checks; writes JSON and Markdown as it goes."""
    import keras

    from tf_aegan.evaluation import evaluation_inputs, predict_labels

    config.check()
    keras.utils.set_random_seed(config.seed)
    workdir, data, x, y, a = evaluation_inputs(config, config.split)
    if config.classifier:
        from tf_aegan.store import load_keras

        a = load_keras(config.classifier, "classifier (--classifier)")
        progress(f"the classifier behind every defense: {config.classifier}")
    y_attack = y if config.labels == "true" else predict_labels(a, x)
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("out", "data_dir")}
    key = fingerprint(cache_key_settings(settings), *_network_folders(workdir, _aegan_folder(config)),
                      *([os.path.dirname(os.path.abspath(config.classifier))] if config.classifier else []))
    cache = BatchCache(os.path.join(config.out, f".cache_adaptive_{config.dataset}_{key}"))
    if cache.count():
        progress(f"resuming: {cache.count()} batches already computed in {cache.folder}")
    result = {"dataset": config.dataset, "split": config.split, "n": int(len(y)), "labels": config.labels,
              "settings": settings, "rows": [], "sanity": []}
    from tf_aegan.methods import METHODS, MissingNetworks

    unknown = [m for m in config.methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    result["missing"] = {}
    defenses = []
    for m in config.methods:
        try:
            defenses += _defenses(m, a, workdir, config, data, progress)
        except MissingNetworks as e:
            result["missing"][m] = str(e)
            progress(f"{m}: skipped: {e}")
    # what each defense costs to answer (not to attack): seconds per clean image, on a few test images
    result["seconds_per_image"] = {d.name: seconds_per_image(d, x[:TIMING_IMAGES]) for d in defenses}
    # eps-major: every attack at the first budget listed (the headline) before the next budget; CW-L2
    # has no eps (it minimises the L2 distortion) and runs once, after the L-infinity grid.
    grid = [(eps, d, at) for eps, d, at in itertools.product(config.eps, defenses, config.attacks) if at != "cw"]
    # AutoAttack after the other attacks at the same budget (their per-image results are its checks)
    grid = sorted(grid, key=lambda g: (config.eps.index(g[0]), g[2] == "autoattack"))
    grid += [(None, d, "cw") for d in defenses if "cw" in config.attacks]
    for eps, defense, attack in grid:
        if attack == "autoattack":
            if not any(p in defense.paths for p in config.aa_paths):
                continue
        elif attack not in defense.paths:
            continue
        t = time.time()
        if attack == "autoattack":
            row = _evaluate_autoattack(defense, eps, config, x, y, cache, progress)
        else:
            row = _evaluate(defense, attack, eps, config, x, y, y_attack, cache)
        row["seconds"] = round(time.time() - t, 1)
        result["rows"].append(row)
        progress(f"{defense.name:<34} {attack:<15} eps {'L2' if eps is None else eps:<4} acc {row['accuracy']:.3f} "
                 f"[{row['ci'][0]:.3f}, {row['ci'][1]:.3f}]  flagged {row['flagged']:.2f}  ({row['seconds']} s)")
        write(result, config.out)
    if config.sanity:
        result["sanity"] = sanity_checks(result["rows"], defenses, config, x, y, y_attack, cache, progress)
    result["sanity"] += autoattack_checks(result["rows"], progress)
    result["rows"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in result["rows"]]
    write(result, config.out)
    if not config.keep_cache:
        cache.remove()
    return result


def sanity_checks(rows, defenses, config, x, y, y_attack, cache, progress):
    """Carlini et al. (2019)'s checks on the rows just measured and a few small extra runs."""
    checks = []
    tol = 0.02

    def add(name, passed, **numbers):
        checks.append({"name": name, "passed": bool(passed), **numbers})
        progress(f"sanity: {name}: {'passed' if passed else 'FAILED'} {json.dumps(numbers)}")

    undefended = [r for r in rows if r["attack"] == "pgd" and abs(r["eps"] - 0.3) < 1e-9]
    if undefended:
        add("PGD reaches 0% on the undefended classifier at eps 0.3", undefended[0]["accuracy"] <= 0.01,
            accuracy=undefended[0]["accuracy"])
    by = {}
    for r in rows:
        by.setdefault((r["defense"], r["attack"]), []).append(r)
    rising = [(k, [(r["eps"], r["accuracy"]) for r in v]) for k, v in by.items()
              if any(b["accuracy"] > a_["accuracy"] + tol for a_, b in zip(sorted(v, key=lambda r: r["eps"]),
                                                                          sorted(v, key=lambda r: r["eps"])[1:]))]
    add("accuracy never rises with eps", not rising, rising=[f"{k[0]} / {k[1]}: {v}" for k, v in rising])
    weaker = []
    for r in rows:
        ref = next((w for w in rows if w["defense"] == r["defense"] and w["attack"] == "fgsm-white"
                    and w["eps"] == r["eps"]), None)
        if ref and r["attack"] not in ("fgsm-white",) and r["accuracy"] > ref["accuracy"] + tol:
            weaker.append(f"{r['defense']} / {r['attack']} eps {r['eps']}: {r['accuracy']:.3f} > {ref['accuracy']:.3f}")
    add("every adaptive attack is at least as strong as the non-adaptive white-box FGSM", not weaker, weaker=weaker)
    m = min(config.sanity_n, len(y))
    main = next((d for d in defenses if "bpda" in d.paths), defenses[0])
    attack = "bpda" if "bpda" in main.paths else "pgd"
    big = [_evaluate(main, attack, e, config, x[:m], y[:m], y_attack[:m], cache, restarts=1)["accuracy"]
           for e in (0.5, 1.0)]
    add(f"accuracy falls to about 0 as eps grows toward 1 ({main.name}, {attack}, n={m})", big[-1] <= 0.05,
        eps=[0.5, 1.0], accuracy=big)
    eps = max(config.eps)
    few = _evaluate(main, attack, eps, config, x[:m], y[:m], y_attack[:m], cache, restarts=1,
                    steps=max(1, config.steps // 10))["accuracy"]
    many = _evaluate(main, attack, eps, config, x[:m], y[:m], y_attack[:m], cache, restarts=1)["accuracy"]
    add(f"more steps never help the defense ({main.name}, {attack}, eps {eps}, n={m})", many <= few + tol,
        steps=[max(1, config.steps // 10), config.steps], accuracy=[few, many])
    if config.spsa_n:
        from tf_aegan.attacks.adaptive import spsa

        k = min(config.spsa_n, len(y))
        target = next((d for d in defenses if "search" in d.paths), main)
        logits = target.paths.get("search", target.paths.get("pgd"))
        t = time.time()
        adv = cache.get(f"spsa_{k}_{config.spsa_steps}_{config.spsa_samples}_{eps}", 0, lambda: np.asarray(
            spsa(logits, x[:k], y_attack[:k], eps, config.spsa_steps, samples=config.spsa_samples, seed=config.seed)))
        spsa_acc = float((target.predict(adv)[0] == y[:k]).mean())
        grad_accs = [_evaluate(target, a_, eps, config, x[:k], y[:k], y_attack[:k], cache, restarts=1)["accuracy"]
                     for a_ in target.paths if a_ not in ("cw",)]
        add(f"gradient-free SPSA does no better than the gradient attacks ({target.name}, eps {eps}, n={k})",
            spsa_acc >= min(grad_accs) - tol, spsa=spsa_acc, best_gradient=min(grad_accs),
            seconds=round(time.time() - t, 1))
    return checks


def peer_check(config: AdaptiveConfig, progress=print):
    """The project's APGD-CE against ART 1.20's on the same images, along each defense's path
    `config.aa_paths[0]` (e.g. `pgd` for a bare classifier, `served` for AE-GAN+rs through the
    exported SavedModel): both accuracies, scored on the defense, and whether ours is within 0.03 of
    ART's or lower (issue 24's agreement)."""
    import keras
    from art.attacks.evasion import AutoProjectedGradientDescent

    from tf_aegan.attacks.autoattack import apgd, art_classifier
    from tf_aegan.evaluation import evaluation_inputs
    from tf_aegan.stats import accuracy_record

    config.check()
    keras.utils.set_random_seed(config.seed)
    workdir, data, x, y, a = evaluation_inputs(config, config.split)
    if config.classifier:
        from tf_aegan.store import load_keras

        a = load_keras(config.classifier, "classifier (--classifier)")
    result = {"dataset": config.dataset, "split": config.split, "n": int(len(y)), "rows": [],
              "settings": {k: v for k, v in dataclasses.asdict(config).items() if k not in ("out", "data_dir")}}
    for m in config.methods:
        for defense in _defenses(m, a, workdir, config, data, progress):
            path = next((p for p in config.aa_paths if p in defense.paths), None)
            if path is None:
                continue
            fn = defense.paths[path]
            for eps in config.eps:
                t = time.time()
                ours = []
                for i in range(0, len(y), config.batch_size):
                    adv = apgd(fn, x[i:i + config.batch_size], y[i:i + config.batch_size], eps,
                               config.aa_iterations, "ce", seed=config.seed)[0]
                    ours.append(defense.predict(adv)[0] == y[i:i + config.batch_size])
                t_ours = time.time() - t
                t = time.time()
                art = AutoProjectedGradientDescent(art_classifier(fn, x.shape[1:], data.num_classes), norm=np.inf,
                                                   eps=eps, eps_step=2 * eps, max_iter=config.aa_iterations,
                                                   nb_random_init=1, batch_size=config.batch_size,
                                                   loss_type="cross_entropy", verbose=False)
                theirs = defense.predict(art.generate(x, y=y))[0] == y
                row = {"method": defense.method, "defense": defense.name, "path": path, "eps": eps,
                       "iterations": config.aa_iterations, "ours": accuracy_record(int(np.concatenate(ours).sum()), len(y)),
                       "art": accuracy_record(int(theirs.sum()), len(y)),
                       "seconds": {"ours": round(t_ours, 1), "art": round(time.time() - t, 1)}}
                row["agrees"] = row["ours"]["accuracy"] <= row["art"]["accuracy"] + 0.03
                result["rows"].append(row)
                progress(f"{defense.name} via {path}, eps {eps}: APGD-CE ours {row['ours']['accuracy']:.3f}, "
                         f"ART {row['art']['accuracy']:.3f} ({'agrees' if row['agrees'] else 'DISAGREES'})")
                write_report(result, os.path.join(config.out, f"peer_{config.dataset}"), peer_markdown(result))
    return result


def peer_markdown(result):
    lines = [f"### APGD-CE: this project's against ART 1.20's ({result['dataset']}, {result['split']}, "
             f"n={result['n']}, true labels)", "",
             "| defense | gradient path | eps | iterations | ours | ART | ours within 0.03 of ART or lower | s (ours / ART) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['defense']} | {r['path']} | {r['eps']} | {r['iterations']} | {fmt(r['ours'])} | "
                     f"{fmt(r['art'])} | {'yes' if r['agrees'] else '**no**'} | {r['seconds']['ours']} / "
                     f"{r['seconds']['art']} |")
    return "\n".join(lines) + "\n"


def autoattack_checks(rows, progress=print, tol=0.05):
    """Croce & Hein's signs of a weak attack, for every AutoAttack row: another attack's accuracy on the
    same images more than `tol` above AutoAttack's (a weak attack, or gradient masking that AutoAttack
    got around), or more than `tol` below it (AutoAttack is the weak one); the ensemble above any of its parts; Square breaking more than `tol` of the images
    every gradient attack left (the gradients are masked)."""
    out = []

    def add(name, passed, **numbers):
        out.append({"name": name, "passed": bool(passed), **numbers})
        progress(f"sanity: {name}: {'passed' if passed else 'FAILED'} {json.dumps(numbers)}")

    for aa in (r for r in rows if r["attack"] == "autoattack" and "_correct" in r):
        m = aa["n"]
        weak, stronger = {}, {}
        for r in rows:
            if r is aa or r["defense"] != aa["defense"] or r["eps"] != aa["eps"] or "_correct" not in r:
                continue
            if len(r["_correct"]) >= m:
                acc = float(r["_correct"][:m].mean())
                if acc > aa["accuracy"] + tol:
                    weak[r["attack"]] = round(acc, 3)
                if acc < aa["accuracy"] - tol:
                    stronger[r["attack"]] = round(acc, 3)
        label = f"{aa['defense']}, eps {aa['eps']}, n={m}"
        add(f"no attack more than {tol} above AutoAttack on the same images ({label})", not weak,
            autoattack=aa["accuracy"], weaker=weak)
        add(f"no attack more than {tol} below AutoAttack on the same images ({label}); more means AutoAttack "
            "is the weak one here", not stronger, autoattack=aa["accuracy"], stronger=stronger)
        parts = [v["accuracy"] for v in aa["after"].values()]
        add(f"the ensemble is never above any of its parts ({label})", all(aa["accuracy"] <= p + 1e-12 for p in parts),
            ensemble=aa["accuracy"], parts=aa["after"] and {k: v["accuracy"] for k, v in aa["after"].items()})
        gaps = {}
        names = list(aa["after"])
        # results kept from before Square ran once at the end have a Square stage after every path
        for k, name in enumerate(names):
            if name.endswith("square") and k > 0:
                before, after = aa["after"][names[k - 1]]["accuracy"], aa["after"][name]["accuracy"]
                if before - after > tol:
                    gaps[name] = round(before - after, 3)
        add(f"Square breaks at most {tol} of what the gradient attacks left ({label}); more is a masking signal",
            not gaps, square_gain=gaps)
    return out


def autoattack_markdown(rows):
    """AutoAttack's rows as the robustness table: clean, the ensemble after each attack (per gradient
    path, each on what the earlier left), the ensemble, and the strongest other attack beside it."""
    aa = [r for r in rows if r["attack"] == "autoattack"]
    if not aa:
        return []
    lines = ["", "AutoAttack (standard: APGD-CE, APGD-T, Square; each attack on the images every earlier one left; "
             "accuracy after each, n images, 95% Wilson intervals):", "",
             "| defense | eps | n | clean | after each attack | AutoAttack | strongest other attack (same images) |",
             "|---|---|---|---|---|---|---|"]
    for r in aa:
        steps = "; ".join(f"{k} {v['accuracy']:.3f}" for k, v in r["after"].items())
        others = [o for o in rows if o is not r and o["defense"] == r["defense"] and o["eps"] == r["eps"]
                  and o["attack"] != "autoattack"]
        best = min(others, key=lambda o: o["accuracy"]) if others else None
        other = f"{best['attack']} {best['accuracy']:.3f} (n={best['n']})" if best else "-"
        lines.append(f"| {r['defense']} | {r['eps']} | {r['n']} | {fmt(r['clean'])} | {steps} | **{fmt(r)}** | {other} |")
    return lines


def markdown(result):
    eps = sorted({r["eps"] for r in result["rows"] if r["eps"] is not None})
    split = {"val": "validation", "test": "test"}[result.get("split", "test")]  # results written before split: test
    lines = [f"### Adaptive attacks on {result['dataset']} ({split}, n={result['n']}, {result['labels']} labels, "
             f"L-infinity)", "", "| defense | attack | steps x restarts | " + " | ".join(f"eps {e}" for e in eps)
             + " | flagged (largest eps) |", "|---|---|---|" + "---|" * len(eps) + "---|"]
    seen = []
    for r in result["rows"]:
        if r["eps"] is None or (r["defense"], r["attack"]) in seen:
            continue
        seen.append((r["defense"], r["attack"]))
        same = {x["eps"]: x for x in result["rows"] if (x["defense"], x["attack"]) == seen[-1]}
        cells = [f"{same[e]['accuracy']:.3f} [{same[e]['ci'][0]:.3f}, {same[e]['ci'][1]:.3f}]" if e in same else "-"
                 for e in eps]
        last = same[max(same)]
        lines.append(f"| {r['defense']} | {r['attack']} | {r['steps']} x {r['restarts']} | " + " | ".join(cells)
                     + f" | {last['flagged']:.2f} |")
    lines += autoattack_markdown(result["rows"])
    l2_rows = [r for r in result["rows"] if r["eps"] is None]
    if l2_rows:
        lines += ["", "CW-L2 (no eps: it minimises the L2 distortion; an image counts as robust when no example "
                  "within its binary search fools the defense):", "",
                  "| defense | attack | iterations | accuracy | mean L2 of the examples that fool | flagged |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['defense']} | {r['attack']} | {r['steps']} | {r['accuracy']:.3f} [{r['ci'][0]:.3f}, "
                  f"{r['ci'][1]:.3f}] | {'-' if r.get('mean_l2') is None else format(r['mean_l2'], '.3f')} | "
                  f"{r['flagged']:.2f} |" for r in l2_rows]
    for m, why in result.get("missing", {}).items():
        lines.append(f"\n- `{m}` not run: {why}")
    if result.get("sanity"):
        lines += ["", "Sanity checks (Carlini et al. 2019):", ""]
        for c in result["sanity"]:
            extra = {k: v for k, v in c.items() if k not in ("name", "passed")}
            lines.append(f"- {'passed' if c['passed'] else '**FAILED**'}: {c['name']} {json.dumps(extra)}")
    lines.append(f"\nSettings: {json.dumps(result['settings'])}")
    return "\n".join(lines) + "\n"


def write(result, out):
    public = {**result, "rows": [{k: v for k, v in r.items() if not k.startswith("_")} for r in result["rows"]]}
    return write_report(public, os.path.join(out, f"adaptive_{result['dataset']}"), markdown(public))
