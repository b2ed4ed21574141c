"""The validation sweep behind the search defaults (Algorithm 2's step size and factor).

For each (step size, factor), L-step AE-GAN+rs purifies clean validation images and FGSM examples
made white-box (against A(G(F(x))), as the paper attacks its method) and gray-box (against A).
The rule: among settings whose search descends (the mean reconstruction error after L steps is
below that of G(F(x)) on clean and on gray-box images) and whose clean accuracy is within
`clean_tolerance` of G(F(x))'s, the highest mean of white and gray accuracy. Each setting's error
trajectory (mean error before every step) is kept, so one can see that the search descends.
"""

import dataclasses
import itertools
import os
import time

from tf_aegan import checks, defaults
from tf_aegan.reports import write_report


@dataclasses.dataclass
class SearchSweepConfig:
    workdir: str = None                      # classifier A and the AE-GAN (default: weights/<dataset>)
    aegan: str = "aegan"
    dataset: str = "fashion_mnist"
    data_dir: str = None
    n: int = 1000
    steps: int = 15
    step_sizes: tuple = (1.0, 3.0, 10.0, 30.0, 100.0)
    factors: tuple = (0.5, 1.0, 2.0)
    period: int = 5
    clean_tolerance: float = 0.05
    labels: str = "predicted"
    trajectory_n: int = 200                  # images whose per-step errors are recorded
    save_pick: bool = False                  # write the pick to the AE-GAN's folder (store.SEARCH_FILE)
    out: str = defaults.RESULTS_OUT


def pick(rows, floor):
    """The sweep's rule (module docstring); None when no setting qualifies."""
    ok = [r for r in rows if r["clean"]["accuracy"] >= floor and r["descends"]]
    if not ok:
        return None
    return max(ok, key=lambda r: (r["white"]["accuracy"] + r["gray"]["accuracy"], r["clean"]["accuracy"]))


def run_search_sweep(config: SearchSweepConfig, progress=print):
    import keras
    import tensorflow as tf

    from tf_aegan import store

    from tf_aegan.attacks import fgsm
    from tf_aegan.attacks.threat import attack_labels
    from tf_aegan.evaluation import accuracy, attack_in_batches, fmt, load_defended
    from tf_aegan.purify import LatentSearchPurifier
    from tf_aegan.purify import search as S

    checks.one_of("attack labels", config.labels, defaults.ATTACK_LABELS)
    keras.utils.set_random_seed(0)
    workdir = config.workdir or store.shipped_dir(config.dataset)
    classifier, encoder, decoder, data = load_defended(workdir, config.aegan, config.dataset, config.data_dir)
    x, y = data.arrays("val", config.n)
    eps = defaults.EPSILON[config.dataset]
    y_attack = attack_labels(config.labels, y)
    rec = LatentSearchPurifier(encoder, decoder, mode="reconstruct")
    images = {"clean": x,
              "gray": attack_in_batches(lambda a, b: fgsm(classifier, a, eps, y=b), x, y_attack),
              "white": attack_in_batches(lambda a, b: fgsm(lambda t: classifier(rec.white_box_part(t)), a, eps, y=b),
                                         x, y_attack)}
    base = {"clean": accuracy(classifier, x, y)}
    for threat, imgs in images.items():
        base[f"{threat}_reconstruct"] = accuracy(classifier, rec.purify_all(imgs)[0], y)
        if threat != "clean":
            base[f"{threat}_none"] = accuracy(classifier, imgs, y)
    progress(f"val n={len(y)}, FGSM eps={eps} on {config.labels} labels: "
             + ", ".join(f"{k} {fmt(v)}" for k, v in base.items()))
    m = min(config.trajectory_n, len(y))
    sub = {k: tf.constant(v[:m]) for k, v in images.items()}
    rows = []
    for step_size, factor in itertools.product(config.step_sizes, config.factors):
        pur = LatentSearchPurifier(encoder, decoder, mode="search", steps=config.steps, step_size=step_size,
                                   factor=factor, period=config.period)
        t = time.time()
        row = {"step_size": step_size, "factor": factor, "period": config.period, "steps": config.steps}
        for threat, imgs in images.items():
            row[threat] = accuracy(classifier, pur.purify_all(imgs)[0], y)
        row["seconds"] = round(time.time() - t, 1)
        row["trajectory"] = {}
        for threat in ("clean", "gray"):
            _, errs = S.descend(decoder, sub[threat], encoder(sub[threat], training=False), config.steps, step_size,
                                factor, config.period, z_min=-1.0, z_max=1.0, trajectory=True)
            row["trajectory"][threat] = [float(e) for e in tf.reduce_mean(errs, axis=1)]
        row["descends"] = all(t[-1] < t[0] for t in row["trajectory"].values())
        rows.append(row)
        progress(f"step {step_size:>6g} factor {factor:>4g}: white {fmt(row['white'])}  gray {fmt(row['gray'])}  "
                 f"clean {fmt(row['clean'])}  gray error {row['trajectory']['gray'][0]:.4f} -> "
                 f"{row['trajectory']['gray'][-1]:.4f}{'' if row['descends'] else '  (does not descend)'}")
    floor = base["clean_reconstruct"]["accuracy"] - config.clean_tolerance
    best = pick(rows, floor)
    result = {"dataset": config.dataset, "split": "val", "n": int(len(y)), "eps": eps, "labels": config.labels,
              "workdir": workdir, "aegan": config.aegan, "baseline": base, "rows": rows,
              "rule": f"max white+gray among settings that descend with clean >= clean_reconstruct - "
                      f"{config.clean_tolerance}",
              "best": None if best is None else {k: best[k] for k in ("step_size", "factor", "period", "steps")}}
    progress(f"best: {result['best']}")
    stem = write(result, config.out)
    if config.save_pick:
        progress(f"wrote {save_pick(result, os.path.join(workdir, config.aegan), stem + '.json')}")
    return result


def save_pick(result, folder, source):
    """The sweep's pick written beside the network it was chosen for (`store.SEARCH_FILE`), with where it
    came from: every purifier built on that network searches with it. Without a pick, a ValueError."""
    import json

    from tf_aegan import store

    if result["best"] is None:
        raise ValueError(f"no search setting passed the rule ({result['rule']}); nothing to save in {folder}")
    row = next(r for r in result["rows"] if all(r[k] == v for k, v in result["best"].items()))
    pick_ = {**result["best"], "chosen_by": f"python -m evaluate.search_params (its rule: {result['rule']})",
             "result": os.path.relpath(source, store.REPO_ROOT) if source.startswith(store.REPO_ROOT) else source,
             "validation": {k: row[k]["accuracy"] for k in ("clean", "gray", "white")}, "n": result["n"]}
    path = os.path.join(folder, store.SEARCH_FILE)
    with open(path, "w") as f:
        json.dump(pick_, f, indent=2)
        f.write("\n")
    return path


def markdown(result):
    lines = [f"### Search sweep on {result['dataset']} validation (n={result['n']}, L={result['rows'][0]['steps']}, "
             f"FGSM eps {result['eps']}, {result['labels']} labels)", "",
             "| step size | factor | clean | gray | white | MSE gray: step 0 -> L | descends |", "|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        cell = lambda a: f"{a['accuracy']:.3f} [{a['ci'][0]:.3f}, {a['ci'][1]:.3f}]"  # noqa: E731
        lines.append(f"| {r['step_size']:g} | {r['factor']:g} | {cell(r['clean'])} | {cell(r['gray'])} | "
                     f"{cell(r['white'])} | {r['trajectory']['gray'][0]:.4f} -> {r['trajectory']['gray'][-1]:.4f} | "
                     f"{'yes' if r['descends'] else 'no'} |")
    b = result["baseline"]
    lines += ["", f"G(F(x)) alone: clean {b['clean_reconstruct']['accuracy']:.3f}, gray {b['gray_reconstruct']['accuracy']:.3f}, "
              f"white {b['white_reconstruct']['accuracy']:.3f}.", f"Rule: {result['rule']}. Best: {result['best']}."]
    return "\n".join(lines) + "\n"


def write(result, out):
    from tf_aegan import plots

    stem = write_report(result, os.path.join(out, f"search_params_{result['dataset']}"), markdown(result))
    curves = {f"step {r['step_size']:g} x{r['factor']:g} ({t})": r["trajectory"][t]
              for r in result["rows"] for t in ("gray",)}
    plots.line_curves(curves, stem + "_trajectory.png", "mean squared error per pixel", xlabel="search step",
                      first=0, log_y=True, title="Search error per step on FGSM (gray-box) validation images")
    return stem
