"""Table 1's protocol as a library: one attack, rows of threat models, columns of defenses.

`run_table(TableConfig(...))` returns the result and writes it (JSON and Markdown) after every
batch; what each batch computed (adversarial images, the defended classifier's predictions) is
kept in a cache folder beside the output, so an interrupted run resumes where it stopped and a
finished one removes its cache. Each accuracy comes with its 95% Wilson interval and n.
"""

import dataclasses
import hashlib
import json
import os
import shutil
import time

import numpy as np

from tf_aegan import checks, defaults, paper
from tf_aegan.progress import Progress
from tf_aegan.reports import write_report
from tf_aegan.stats import fmt

ATTACKS = ("fgsm", "pgd", "cw", "blackbox")
# Madry et al. (2017) / the paper's PGD: 40 steps of 0.01 with a random start.
PGD_STEPS = 40
PGD_STEP_SIZE = 0.01


@dataclasses.dataclass
class TableConfig:
    attack: str
    dataset: str = "fashion_mnist"
    data_dir: str = None
    methods: tuple = ("none", "ours")
    workdir: str = None                  # trained networks; default weights/<dataset>
    aegan: str = "aegan"                 # the AE-GAN+r of "ours": a subfolder of workdir, or a path
    folders: dict = None                 # other methods' folders, e.g. {"magnet": "magnet_z20"} (Table 8)
    n: int = 1000                        # test images (black-box: the first n of the 9850)
    labels: str = "predicted"            # attack labels: A's predictions (CleverHans' y=None) or "true"
    zerograd: bool = True                # also score the white-box attack as the paper's code ran it
    steps: int = 15                      # search steps L of ours / AE+s (Table 1)
    dgan_steps: int = None               # Defense-GAN's L and R (default: its code's 200 and 10)
    dgan_restarts: int = None
    pgd_steps: int = PGD_STEPS
    pgd_step_size: float = PGD_STEP_SIZE
    cw_iterations: int = defaults.CW_MAX_ITERATIONS
    cw_binary_steps: int = defaults.CW_BINARY_SEARCH_STEPS
    batch_size: int = 100
    seed: int = 0
    out: str = defaults.RESULTS_OUT
    classifier: str = None               # a .keras classifier behind every purifier instead of A

    def check(self):
        checks.one_of("attack", self.attack, ATTACKS)
        checks.one_of("attack labels", self.labels, defaults.ATTACK_LABELS)
        for name in ("n", "batch_size", "pgd_steps", "cw_iterations", "cw_binary_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.steps < 0:
            raise ValueError(f"steps must be >= 0, got {self.steps}")


def settings_of(config, eps, split):
    s = {"eps": eps, "n": config.n, "split": split, "steps_ours": config.steps, "seed": config.seed,
         "aegan": config.aegan, **({"folders": config.folders} if config.folders else {}),
         "labels": "substitute's predictions" if config.attack == "blackbox" else config.labels}
    s.update({k: getattr(config, k) for k in ("dgan_steps", "dgan_restarts", "classifier") if getattr(config, k) is not None})
    if config.attack == "cw":
        s.update(cw_iterations=config.cw_iterations, cw_binary_steps=config.cw_binary_steps)
    if config.attack == "pgd":
        s.update(pgd_steps=config.pgd_steps, pgd_step_size=config.pgd_step_size)
    return s


class BatchCache:
    """Arrays computed per batch, kept on disk under a key of the settings, so a rerun resumes."""

    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def get(self, key, index, compute):
        path = os.path.join(self.folder, f"{key}.{index}.npy")
        if os.path.exists(path):
            return np.load(path)
        value = np.asarray(compute())
        np.save(path + ".tmp.npy", value)
        os.replace(path + ".tmp.npy", path)
        return value

    def parts(self, key, index, name=""):
        """Where a batch keeps the units of work it has finished (`autoattack`'s checkpoint), until the
        batch itself is cached: `load(unit)`, `save(unit, **arrays)`, `clear()`."""
        return _Parts(self.folder, f"{key}.{index}.part{'.' + name if name else ''}")

    def has(self, key, index):
        return os.path.exists(os.path.join(self.folder, f"{key}.{index}.npy"))

    def count(self):
        return sum(1 for f in os.listdir(self.folder) if f.endswith(".npy") and ".tmp" not in f)

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


class _Parts:
    """One batch's finished units of work, a compressed .npz file each (BatchCache.parts)."""

    def __init__(self, folder, prefix):
        self.folder, self.prefix = folder, prefix

    def _path(self, unit):
        return os.path.join(self.folder, f"{self.prefix}.{unit}.npz")

    def load(self, unit):
        path = self._path(unit)
        if not os.path.exists(path):
            return None
        with np.load(path) as saved:
            return {k: saved[k] for k in saved.files}

    def save(self, unit, **arrays):
        path = self._path(unit)
        with open(path + ".tmp", "wb") as f:
            np.savez_compressed(f, **arrays)
        os.replace(path + ".tmp", path)

    def clear(self):
        for f in os.listdir(self.folder):
            if f.startswith(self.prefix + ".") and f.endswith(".npz"):
                os.remove(os.path.join(self.folder, f))


def fingerprint(settings, *folders):
    """What the cached batches depend on: `settings` (every option that changes them) and the
    networks in `folders` (their contents' SHA-256, with the search settings chosen for them). Paths inside the repository count relative to
    it, so a cache committed with a run is found again on a fresh clone."""
    from tf_aegan.store import REPO_ROOT, SEARCH_FILE, sha256

    def portable(value):
        if isinstance(value, str) and os.path.isabs(value) and value.startswith(REPO_ROOT + os.sep):
            return os.path.relpath(value, REPO_ROOT)
        return value

    files = []
    for folder in folders:
        for root, _, names in os.walk(folder):
            files += [(os.path.relpath(os.path.join(root, f), folder), sha256(os.path.join(root, f)))
                      for f in sorted(names) if (f.endswith(".keras") or f == SEARCH_FILE) and not f.startswith(".")]
    text = json.dumps([{k: portable(v) for k, v in settings.items()}, sorted(files)], sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def dgan_of(config):
    """Defense-GAN's projection settings given on the command line ({} for its code's defaults)."""
    given = {k: v for k, v in (("steps", config.dgan_steps), ("restarts", config.dgan_restarts)) if v is not None}
    for k, v in given.items():
        if v < 1:
            raise ValueError(f"--dgan-{k} must be at least 1, got {v}")
    return given


def estimate_seconds(config, classifier, white_box_parts, x):
    """Seconds the attacks will take, from timing each attacked model's input gradient as the attacks
    run it: compiled (`tf.function`), on a batch of the run's batch size."""
    import tensorflow as tf

    if config.attack in ("fgsm", "blackbox"):
        per_image = 1
    elif config.attack == "pgd":
        per_image = config.pgd_steps
    else:
        per_image = config.cw_iterations * config.cw_binary_steps
    bs = min(config.batch_size, len(x))
    batches = -(-len(x) // bs) if bs else 0
    xb = tf.constant(x[:bs])
    total = 0.0
    for model_fn in [classifier] + [(lambda part: lambda v: classifier(part(v)))(p) for p in white_box_parts]:
        @tf.function
        def gradient(v, f=model_fn):
            with tf.GradientTape() as tape:
                tape.watch(v)
                loss = tf.reduce_sum(f(v))
            return tape.gradient(loss, v)

        gradient(xb)  # traced once before timing
        t = time.time()
        for _ in range(3):
            gradient(xb).numpy()
        total += (time.time() - t) / 3 * per_image * batches
    return total


def run_table(config: TableConfig, progress=print):
    """Table 1's block for `config.attack`; writes the result after every batch and returns it."""
    import keras

    from tf_aegan import store
    from tf_aegan.attacks import carlini_wagner_l2, fgsm, pgd
    from tf_aegan.attacks.threat import attack_labels, black_box, gray_box, white_box, white_box_zero_gradient
    from tf_aegan.evaluation import evaluation_inputs, predict_labels
    from tf_aegan.methods import METHODS, MissingNetworks, load_method
    from tf_aegan.stats import accuracy_record

    config.check()
    unknown = [m for m in config.methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    keras.utils.set_random_seed(config.seed)
    black = config.attack == "blackbox"
    split = "blackbox" if black else "test"
    workdir, data, x, y, a = evaluation_inputs(config, split)
    if config.classifier:  # a defended classifier: every purifier in front of this one
        a = store.load_keras(config.classifier, "classifier (--classifier)")
    eps = defaults.EPSILON[config.dataset]
    attacks = {
        "fgsm": lambda f, xb, yb: fgsm(f, xb, eps, y=yb),
        "pgd": lambda f, xb, yb: pgd(f, xb, eps, config.pgd_step_size, config.pgd_steps, y=yb, seed=config.seed),
        "cw": lambda f, xb, yb: carlini_wagner_l2(f, xb, max_iterations=config.cw_iterations,
                                                  binary_search_steps=config.cw_binary_steps),
        "blackbox": lambda f, xb, yb: fgsm(f, xb, eps, y=yb),
    }
    attack = attacks[config.attack]
    settings = settings_of(config, eps, split)
    result = {"attack": config.attack, "dataset": config.dataset, "n": len(y), "clean": {}, "seconds_per_image": {},
              "trained": {}, "rows": [], "missing": {}, "settings": settings}
    bs = config.batch_size
    # cache_format 4: the folder's key covers classifier A (and the substitutes, black-box); each method's
    # batches carry its own networks' key, so shipping or retraining one network leaves the others' valid.
    keyed = dict(settings, attack=config.attack, dataset=config.dataset, batch_size=bs, cache_format=4)
    if config.classifier:
        keyed["classifier_sha256"] = store.sha256(config.classifier)
    shared = [store.classifier_dir(workdir, arch) for arch in (("A", "substitute_B", "substitute_C") if black else ("A",))]
    cache = BatchCache(os.path.join(config.out, f".cache_{config.attack}_{config.dataset}_{fingerprint(keyed, *shared)}"))
    if cache.count():
        progress(f"resuming: {cache.count()} batches already computed in {cache.folder}")
    batches = [(i, slice(i * bs, min(len(y), (i + 1) * bs))) for i in range((len(y) + bs - 1) // bs)]
    y_attack = attack_labels(config.labels, y)

    def per_batch(key, compute):
        """[`compute(batch slice)` for every batch], each cached under `key`, with a progress bar."""
        bar = Progress(len(y), "image", label=key.split("|")[0] if isinstance(key, str) else "")
        parts = []
        for i, sl in batches:
            parts.append(cache.get(key, i, lambda: compute(sl)))
            bar.add(sl.stop - sl.start)
        return parts

    def adversarial(key, make):
        """Adversarial images for every batch, cached; `make(x_batch, y_batch)`."""
        return np.concatenate(per_batch(key, lambda sl: make(x[sl], None if y_attack is None else y_attack[sl])))

    def predictions(key, method, images):
        """The defended classifier's labels of purified `images`, whether its detector rejected them
        (MagNet), and the seconds that took, cached per batch."""
        def compute(sl):
            t = time.time()
            purified, _, errors = method.purifier.purify_all(images[sl])
            pred = predict_labels(method.classifier, purified)
            rejected = errors > method.purifier.threshold if method.rejects else np.zeros(len(pred), bool)
            return np.concatenate([pred.astype(np.float64), rejected.astype(np.float64), [time.time() - t]])

        parts = per_batch(key, compute)
        k = [(len(p) - 1) // 2 for p in parts]
        return (np.concatenate([p[:n] for p, n in zip(parts, k)]).astype(np.int64),
                float(sum(p[-1] for p in parts)),
                np.concatenate([p[n:2 * n] for p, n in zip(parts, k)]).astype(bool))

    def scored(pred, rejected=None, clean=False):
        record = accuracy_record(int((pred == y).sum()), len(y))
        if rejected is not None:
            # MagNet's own reading: an adversarial input is defended when rejected or classified right;
            # a clean one only when accepted and classified right.
            ok = (pred == y) & ~rejected if clean else (pred == y) | rejected
            record.update(rejected=float(rejected.mean()), with_detector=accuracy_record(int(ok.sum()), len(y)))
        return record

    loaded = {}
    for name in config.methods:
        try:
            loaded[name] = load_method(name, workdir, config.dataset, classifier=a, steps=config.steps, dgan=dgan_of(config),
                                       aegan=config.aegan, folders=config.folders)
        except MissingNetworks as e:
            result["missing"][name] = str(e)
            progress(f"{name}: skipped: {e}")
    attacked_parts = [m.white_box for m in loaded.values() if m.white_box is not None]
    estimate = estimate_seconds(config, a, attacked_parts, x)
    progress(f"{config.attack} on n={len(y)} {split} images, methods {', '.join(loaded) or '(none)'}: the attacks "
             f"need about {estimate / 60:.1f} min on this machine (estimated from gradient timings), plus purification")
    write(result, config.out)
    adv_black = {}
    if black:
        for arch in ("B", "C"):
            if not os.path.isdir(store.classifier_dir(workdir, f"substitute_{arch}")):
                raise ValueError(f"no substitute {arch} in {workdir}. Train it with: python -m train.substitute "
                                 f"--dataset {config.dataset} --arch {arch} --workdir {workdir}")
            sub = store.load_classifier(workdir, f"substitute_{arch}", config.dataset)
            progress(f"black-box FGSM on substitute {arch}")
            adv_black[arch] = adversarial(f"black{arch}", lambda xb, _, s=sub: black_box(attack, s, xb))
    gray_adv = None
    for name, method in loaded.items():
        progress(f"== {name}")
        mine = f"{name}_{fingerprint({}, method.folder)}" if method.folder else name  # keys of its own batches
        if method.rejects:
            method.purifier.detector.fit_threshold(
                data.arrays("val", min(defaults.DETECTOR_VAL_IMAGES, data.split("val").size))[0], defaults.DETECTOR_FPR)
        result["trained"][name] = method.trained
        if black:
            threats = {f"black-A/{arch}": (f"black{arch}", adv) for arch, adv in adv_black.items()}
        else:
            threats = {}
            identity = method.white_box is None
            if method.has_gray or (identity and method.classifier is a):
                if gray_adv is None:
                    progress(f"  gray-box {config.attack} (against A alone, shared by all methods)")
                    gray_adv = adversarial("gray", lambda xb, yb: gray_box(attack, a, xb, yb))
            if identity and method.classifier is a:
                threats["white"] = ("gray", gray_adv)  # no differentiable part: the white-box attack is the gray-box one
            else:
                progress(f"  white-box {config.attack}")
                threats["white"] = (f"white_{mine}", adversarial(
                    f"white_{mine}", lambda xb, yb: white_box(attack, method.classifier, method.white_box, xb, yb)))
            if not identity and method.purifier.name != "none" and config.zerograd and config.attack != "cw":
                progress(f"  white-box {config.attack} as the paper's code scored it (zero input gradient)")
                threats["white-zerograd"] = (f"zerograd_{mine}", adversarial(
                    f"zerograd_{mine}",
                    lambda xb, yb: white_box_zero_gradient(attack, method.classifier, method.purifier, xb, yb)))
            if method.has_gray:
                threats["gray"] = ("gray", gray_adv)
        for threat, (key, adv) in threats.items():
            pred, _, rejected = predictions(f"pred_{key}_{mine}", method, adv)
            acc = scored(pred, rejected if method.rejects else None)
            result["rows"].append({"threat": threat, "method": name, **acc})
            progress(f"  {threat:>14} {name:<10} {fmt(acc)}")
            write(result, config.out)
        # Clean accuracy after the attacked rows, so a run stopped early has whole rows to show.
        pred, seconds, rejected = predictions(f"clean_{mine}", method, x)
        result["clean"][name] = scored(pred, rejected if method.rejects else None, clean=True)
        result["seconds_per_image"][name] = seconds / len(y)
        write(result, config.out)
    cache.remove()
    write(result, config.out)
    return result


def _paper_cells(theirs, methods):
    """The paper's row in italics, empty where it has no cell."""
    return " | ".join(f"*{theirs[m]:.3f}*" if m in theirs else "" for m in methods)


def markdown(result):
    methods = list(dict.fromkeys([*result["clean"], *(r["method"] for r in result["rows"])]))
    if not methods:  # stopped before any row finished: say so instead of an empty table
        return (f"### {result['attack'].upper()} on {result['dataset']} (n={result['n']})\n\nNo row has finished "
                "yet; the same command resumes from the finished batches.\n")
    lines = [f"### {result['attack'].upper()} on {result['dataset']} (n={result['n']})", ""]
    if result.get("settings", {}).get("classifier"):  # a defended classifier
        lines += [f"The classifier behind every purifier (and `none`): `{result['settings']['classifier']}`, not A.", ""]
    lines += ["| threat | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for threat in dict.fromkeys(r["threat"] for r in result["rows"]):
        cells = []
        for m in methods:
            row = next((r for r in result["rows"] if r["threat"] == threat and r["method"] == m), None)
            cells.append("-" if row is None else fmt(row))
        lines.append(f"| {threat} | " + " | ".join(cells) + " |")
        theirs = paper.table1(result["dataset"], result["attack"], threat)
        if theirs:
            lines.append(f"| *{threat}, paper* | {_paper_cells(theirs, methods)} |")
    lines.append("| clean | " + " | ".join(f"{result['clean'][m]['accuracy']:.3f}" if m in result["clean"] else "-"
                                           for m in methods) + " |")
    lines.append("| s/image | " + " | ".join(f"{result['seconds_per_image'][m]:.2g}" if m in result["seconds_per_image"]
                                             else "-" for m in methods) + " |")
    trained = result.get("trained", {})
    if any(trained.values()):
        lines.append("| trained | " + " | ".join(trained.get(m) or "-" for m in methods) + " |")
    for m, why in result.get("missing", {}).items():
        lines.append(f"\n- `{m}` not run: {why}")
    rejecting = [r for r in result["rows"] if "rejected" in r]
    if rejecting:
        lines.append("\nMagNet's detector (threshold: the reconstruction error exceeded by 5% of clean validation "
                     "images) rejected: " + ", ".join(
                         f"{r['threat']} {r['rejected']:.2f} (rejected or right {r['with_detector']['accuracy']:.3f})"
                         for r in rejecting)
                     + "; the table's MagNet numbers are the reformer's, as the paper reports them.")
    if any(r["threat"] == "white-zerograd" for r in result["rows"]):
        lines.append("\n`white-zerograd` is the white-box attack as the paper's code ran it: no gradient reaches "
                     "the input through the purifier, so the attack returns (nearly) the clean image. It measures "
                     "clean accuracy after purification, not robustness.")
    if any(paper.table1(result["dataset"], result["attack"], t) for t in dict.fromkeys(r["threat"] for r in result["rows"])):
        lines.append("\nRows in italics are the paper's Table 1 (its numbers, not ours).")
    lines.append(f"\nAttack labels: {result['settings'].get('labels', 'true')}.")
    lines.append(f"\nSettings: {json.dumps(result['settings'])}")
    return "\n".join(lines) + "\n"


def report_stem(result, out):
    return os.path.join(out, f"table_{result['attack']}_{result['dataset']}")


def write(result, out):
    return write_report(result, report_stem(result, out), markdown(result))


THREAT_ORDER = ("white", "white-zerograd", "gray", "black-A/B", "black-A/C")


def combine(results):
    """One Table 1 from several `run_table` results (loaded JSON), as RESULTS.md shows it: each
    (attack, threat, method) cell from the last result that has it; a method's clean accuracy, seconds
    per image and training length from its FGSM result if there is one, else its first."""
    if not results:
        raise ValueError("no table results to combine")
    adaptive = [r for r in results if isinstance(r, dict) and "settings" in r and "attack" not in r]
    results = [r for r in results if not any(r is a for a in adaptive)]
    if not results:
        raise ValueError("no evaluate.table result among the results (only evaluate.adaptive ones)")
    for i, r in enumerate(results):
        if not isinstance(r, dict) or not {"attack", "dataset", "n", "rows", "clean"} <= set(r):
            raise ValueError(f"result {i} is not a table result of evaluate.table "
                             f"({f'keys {sorted(r)[:8]}' if isinstance(r, dict) else type(r).__name__})")
    datasets = sorted({r["dataset"] for r in results})
    if len(datasets) != 1:
        raise ValueError(f"results of one data set only, got {', '.join(datasets)}")
    cells, per_method = {}, {}
    for r in results:
        for row in r["rows"]:
            cells.setdefault((r["attack"], row["threat"]), {})[row["method"]] = dict(row, n=r["n"])
        for m in {*r["clean"], *(row["method"] for row in r["rows"])}:
            if m not in per_method or (r["attack"] == "fgsm" and per_method[m]["attack"] != "fgsm"):
                per_method[m] = {"attack": r["attack"], "n": r["n"], "clean": r["clean"].get(m),
                                 "seconds_per_image": r.get("seconds_per_image", {}).get(m),
                                 "trained": r.get("trained", {}).get(m)}
    for r in adaptive:  # AutoAttack's rows: Table 1's white-aa row, one per eps
        settings = r["settings"]
        if settings.get("classifier"):  # another classifier behind the purifiers: not Table 1's networks
            continue
        elsewhere = {f.split("=", 1)[0] for f in settings.get("folders") or []}  # --folder: not the shipped network
        for row in r["rows"]:
            if (row["attack"] == "autoattack" and not row["defense"].startswith(("gated", "SavedModel"))
                    and row["method"] not in elsewhere):
                cells.setdefault(("autoattack", f"white-aa eps {row['eps']}"), {})[row["method"]] = dict(row)
    order = {a: i for i, a in enumerate(ATTACKS)}
    keys = sorted(cells, key=lambda k: (order.get(k[0], len(order)), THREAT_ORDER.index(k[1])
                                        if k[1] in THREAT_ORDER else len(THREAT_ORDER)))
    methods = [m for m in paper.TABLE1_METHODS if m in per_method] + sorted(set(per_method) - set(paper.TABLE1_METHODS))
    return {"dataset": datasets[0], "methods": methods, "per_method": per_method,
            "cells": [{"attack": a, "threat": t, "by_method": cells[(a, t)]} for a, t in keys]}


def combined_markdown(table):
    """Markdown of `combine`'s table: accuracy [95% interval] (n) per cell, the paper's cell beneath."""
    methods, per = table["methods"], table["per_method"]
    lines = [f"### Table 1 on {table['dataset']}", "", "| attack | threat | " + " | ".join(methods) + " |",
             "|---|---|" + "---|" * len(methods)]
    for cell in table["cells"]:
        got = cell["by_method"]
        lines.append(f"| {cell['attack']} | {cell['threat']} | " + " | ".join(
            f"{fmt(got[m])} ({got[m]['n']})" if m in got else "-" for m in methods) + " |")
        theirs = paper.table1(table["dataset"], cell["attack"], cell["threat"])
        if theirs:
            lines.append(f"| | *paper* | {_paper_cells(theirs, methods)} |")

    def source(m):
        return f" ({per[m]['attack']}, {per[m]['n']})"

    lines.append("| | clean | " + " | ".join(f"{per[m]['clean']['accuracy']:.3f}" + source(m) if per[m]["clean"]
                                              else "-" for m in methods) + " |")
    lines.append("| | s/image | " + " | ".join(f"{per[m]['seconds_per_image']:.2g}" if per[m]["seconds_per_image"]
                                                is not None else "-" for m in methods) + " |")
    lines.append("| | trained | " + " | ".join(per[m]["trained"] or "-" for m in methods) + " |")
    lines.append("\nCells: accuracy of classifier A (of the robust classifier for advtr) [95% Wilson interval] (n). "
                 "Rows *paper*: the paper's Table 1 (its numbers, not ours). clean, s/image (purification of "
                 "clean images) and trained: from each method's FGSM result (attack, n), else its first. Rows white-aa: "
                 "AutoAttack's standard ensemble (APGD-CE, APGD-T, Square; `evaluate.adaptive --attacks autoattack`), "
                 "true labels, through each method's white-box path (the classifier; G(F(x)); the search where run), "
                 "the examples scored on the whole defense.")
    return "\n".join(lines) + "\n"
