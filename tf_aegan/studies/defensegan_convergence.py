"""Defense-GAN's length by a rule fixed before its run (configs/networks/<dataset>/defensegan.json): the
generator kept at each doubling of its iterations (snapshots/decoder_<iterations>.keras) is scored on the
first `n` validation images, by the projection's reconstruction error (L steps, R restarts, Defense-GAN's
code: 200 and 10) and gray-box FGSM accuracy (classifier A attacked, the projection in front); it has
converged at the first snapshot of at least `min_iterations` whose previous snapshot's numbers both lie
inside its 95% intervals (they changed by less than their intervals over the last doubling)."""

import dataclasses
import glob
import os
import re
import time

import numpy as np

from tf_aegan import checks, defaults
from tf_aegan.reports import write_report


@dataclasses.dataclass
class ConvergenceConfig:
    folder: str = "study/baselines/fashion_mnist/defensegan"   # a train.defensegan run with snapshots/
    dataset: str = "fashion_mnist"
    data_dir: str = None
    classifier_workdir: str = None     # where classifier A is (default: the shipped networks)
    n: int = 500
    steps: int = defaults.DGAN_STEPS   # L
    restarts: int = defaults.DGAN_RESTARTS   # R
    eps: float = None                  # FGSM's eps (default: the paper's for the data set)
    labels: str = "predicted"
    min_iterations: int = 20000
    batch_size: int = 100
    seed: int = 0
    out: str = defaults.RESULTS_OUT

    def check(self):
        if self.n < 1 or self.steps < 0 or self.restarts < 1 or self.batch_size < 1:
            raise ValueError(f"need n >= 1, steps >= 0, restarts >= 1 and batch_size >= 1, got {self.n}, "
                             f"{self.steps}, {self.restarts}, {self.batch_size}")
        checks.one_of("attack labels", self.labels, defaults.ATTACK_LABELS)


def snapshots(folder):
    """[(generator iterations, path)] of a run's snapshots/decoder_<iterations>.keras, in order."""
    found = []
    for path in glob.glob(os.path.join(folder, "snapshots", "decoder_*.keras")):
        m = re.fullmatch(r"decoder_(\d+)\.keras", os.path.basename(path))
        if m:
            found.append((int(m.group(1)), path))
    if not found:
        raise ValueError(f"{folder} has no snapshots/decoder_<iterations>.keras: train it with "
                         "python -m train.defensegan --snapshots N,N,...")
    return sorted(found)


def converged(rows, min_iterations):
    """The first row (iterations >= min_iterations) whose previous row's reconstruction error and FGSM
    accuracy both lie inside its own 95% intervals, or None."""
    for prev, row in zip(rows, rows[1:]):
        if row["iterations"] < min_iterations:
            continue
        recon_ok = row["recon"]["ci"][0] <= prev["recon"]["mean"] <= row["recon"]["ci"][1]
        fgsm_ok = row["fgsm"]["ci"][0] <= prev["fgsm"]["accuracy"] <= row["fgsm"]["ci"][1]
        if recon_ok and fgsm_ok:
            return row
    return None


def run_convergence(config: ConvergenceConfig, progress=print):
    """Score every snapshot not scored yet (the result file keeps the others: a rerun resumes), apply the rule."""
    import keras

    from tf_aegan import plots, store
    from tf_aegan.attacks import fgsm
    from tf_aegan.attacks.threat import attack_labels
    from tf_aegan.data import load_dataset
    from tf_aegan.evaluation import accuracy, attack_in_batches
    from tf_aegan.purify.purifier import DefenseGANPurifier

    config.check()
    found = snapshots(config.folder)
    data = load_dataset(config.dataset, config.data_dir)
    if config.n > data.split("val").size:
        raise ValueError(f"n = {config.n} is more than the validation split's {data.split('val').size} images")
    x, y = data.arrays("val", config.n)
    eps = config.eps or defaults.EPSILON[config.dataset]
    a = store.load_classifier(config.classifier_workdir or store.shipped_dir(config.dataset), "A", config.dataset)
    stem = os.path.join(config.out, f"defensegan_convergence_{config.dataset}")
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("out", "data_dir")}
    old = _previous(stem + ".json", settings)
    rows = []
    adv = None
    for iterations, path in found:
        sha = store.sha256(path)
        done = next((r for r in old if r["iterations"] == iterations and r["sha256"] == sha), None)
        if done is not None:
            rows.append(done)
            continue
        keras.utils.set_random_seed(config.seed)
        if adv is None:  # gray-box: the classifier is attacked, the projection does not enter the attack
            adv = attack_in_batches(lambda u, v: fgsm(a, u, eps, y=v), x, attack_labels(config.labels, y))
        purifier = DefenseGANPurifier(store.load_keras(path, f"generator after {iterations} iterations"),
                                      steps=config.steps, restarts=config.restarts, seed=config.seed)
        start = time.time()
        _, _, errors = purifier.purify_all(x, config.batch_size)
        purified, _, _ = purifier.purify_all(adv, config.batch_size)
        half = 1.96 * errors.std(ddof=1) / np.sqrt(len(errors)) if len(errors) > 1 else 0.0
        row = {"iterations": iterations, "snapshot": path, "sha256": sha,
               "recon": {"mean": float(errors.mean()), "ci": [float(errors.mean() - half), float(errors.mean() + half)],
                         "n": int(len(errors))},
               "fgsm": accuracy(a, purified, y), "seconds": round(time.time() - start, 1)}
        rows.append(row)
        progress(f"{iterations} generator iterations: reconstruction error {row['recon']['mean']:.4f}, gray-box "
                 f"FGSM {row['fgsm']['accuracy']:.3f} ({row['seconds']} s)")
        _write(stem, config, settings, rows, eps)
    result = _write(stem, config, settings, rows, eps)
    its = [r["iterations"] for r in rows]
    plots.interval_curves(its, {"reconstruction error (projection)": ([r["recon"]["mean"] for r in rows],
                                                                      [r["recon"]["ci"][0] for r in rows],
                                                                      [r["recon"]["ci"][1] for r in rows]),
                                f"gray-box FGSM accuracy (eps {eps:g})": ([r["fgsm"]["accuracy"] for r in rows],
                                                                          [r["fgsm"]["ci"][0] for r in rows],
                                                                          [r["fgsm"]["ci"][1] for r in rows])},
                          stem + ".png", "generator iterations",
                          f"Defense-GAN's snapshots on {len(y)} validation images (L {config.steps}, R {config.restarts})")
    return result


def _previous(path, settings):
    """The rows of an earlier run of the same settings (its snapshots are not scored again)."""
    import json

    if not os.path.isfile(path):
        return []
    with open(path) as f:
        old = json.load(f)
    return old.get("rows", []) if old.get("settings") == settings else []


def _write(stem, config, settings, rows, eps):
    pick = converged(rows, config.min_iterations)
    result = {"dataset": config.dataset, "split": "val", "n": config.n, "eps": eps, "settings": settings,
              "rows": rows, "converged_at": pick["iterations"] if pick else None}
    write_report(result, stem, markdown(result))
    return result


def markdown(result):
    s = result["settings"]
    lines = [f"### Defense-GAN's generator at each doubling ({result['dataset']}, first {result['n']} validation images, "
             f"L {s['steps']}, R {s['restarts']}, gray-box FGSM eps {result['eps']:g}, {s['labels']} labels)", "",
             "| generator iterations | reconstruction error of the projection (95% interval) | gray-box FGSM accuracy | s |",
             "|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['iterations']} | {r['recon']['mean']:.4f} [{r['recon']['ci'][0]:.4f}, {r['recon']['ci'][1]:.4f}] | "
                     f"{r['fgsm']['accuracy']:.3f} [{r['fgsm']['ci'][0]:.3f}, {r['fgsm']['ci'][1]:.3f}] | {r['seconds']} |")
    at = result["converged_at"]
    lines += ["", f"Rule: converged at the first snapshot of at least {s['min_iterations']} iterations whose previous "
              "snapshot's numbers both lie inside its 95% intervals. "
              + (f"Converged at **{at}** generator iterations." if at else "**Not converged yet.**")]
    return "\n".join(lines) + "\n"
