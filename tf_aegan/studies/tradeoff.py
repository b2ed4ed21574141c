"""Table 2: computation against robustness for Defense-GAN and AE-GAN+rs (Section 4.3).

Cells: each method x R restarts x L search steps (Ours starts at F(x), so R = 1 only), scored by
classifier A after purification on clean test images, gray-box FGSM (made on A) and white-box FGSM
(through the method's differentiable part: A(G(F(x))) for Ours; A for Defense-GAN, whose projection
passes no gradient, as the paper ran it), with the seconds each image's purification took. Each
cell's predictions are kept as they finish, so an interrupted run resumes.
"""

import dataclasses
import json
import os
import time

import numpy as np

from tf_aegan import defaults, paper
from tf_aegan.reports import write_report

INPUTS = ("clean", "white", "gray")


@dataclasses.dataclass
class TradeoffConfig:
    dataset: str = "fashion_mnist"
    data_dir: str = None
    workdir: str = None            # classifier A, aegan/ and defensegan/; default weights/<dataset>
    aegan: str = "aegan"
    n: int = 500                   # test images
    steps: tuple = (10, 60, 200)   # L (Table 2: 10 and 60; Defense-GAN's own 200)
    restarts: tuple = (1, 10)      # R (Defense-GAN only)
    labels: str = "predicted"
    batch_size: int = 100
    out: str = defaults.RESULTS_OUT

    def check(self):
        if self.n < 1 or self.batch_size < 1:
            raise ValueError(f"n and batch_size must be at least 1, got n={self.n}, batch_size={self.batch_size}")
        if not self.steps or min(self.steps) < 0 or not self.restarts or min(self.restarts) < 1:
            raise ValueError(f"steps must be >= 0 and restarts >= 1, got {self.steps} and {self.restarts}")


def cells(config, methods):
    """(method, R, L) in the order they run: cheap cells first."""
    out = [("ours", 1, L) for L in config.steps if "ours" in methods]
    out += [("defensegan", R, L) for R in config.restarts for L in config.steps if "defensegan" in methods]
    return sorted(out, key=lambda c: c[1] * c[2])


def column_inputs(inputs, method):
    """The images each column scores: the white-box FGSM goes through A(G(F(x))) for Ours and is the
    FGSM on A for Defense-GAN, whose projection passes no gradient (as the paper ran it)."""
    white = inputs["white_ours"] if method == "ours" else inputs["gray"]
    return {"clean": inputs["clean"], "white": white, "gray": inputs["gray"]}


def run_tradeoff(config: TradeoffConfig, progress=print):
    from tf_aegan import store
    from tf_aegan.attacks import fgsm
    from tf_aegan.attacks.threat import attack_labels
    from tf_aegan.evaluation import evaluation_inputs, attack_in_batches, fmt, predict_labels
    from tf_aegan.plots import tradeoff_plot
    from tf_aegan.purify import DefenseGANPurifier, LatentSearchPurifier
    from tf_aegan.stats import accuracy_record
    from tf_aegan.tables import BatchCache, fingerprint

    config.check()
    workdir, data, x, y, a = evaluation_inputs(config)
    eps = defaults.EPSILON[config.dataset]
    y_attack = attack_labels(config.labels, y)
    nets, missing = {}, {}
    try:
        nets["ours"] = store.load_autoencoder(workdir, config.aegan, config.dataset)
    except ValueError as e:
        missing["ours"] = str(e)
    try:
        nets["defensegan"] = store.load_keras(os.path.join(workdir, "defensegan", "decoder.keras"),
                                              "Defense-GAN generator",
                                              f"python -m train.defensegan --dataset {config.dataset} --workdir {workdir}")
    except ValueError as e:
        missing["defensegan"] = str(e)
    for name, why in missing.items():
        progress(f"{name}: skipped: {why}")
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("out", "data_dir")}
    stamp = fingerprint(dict(settings, cache_format=2), workdir)  # 2: Defense-GAN's restarts start as its code's
    cache = BatchCache(os.path.join(config.out, f".cache_tradeoff_{config.dataset}_{stamp}"))
    inputs = {"clean": x, "gray": cache.get("gray", 0, lambda: attack_in_batches(
        lambda xb, yb: fgsm(a, xb, eps, y=yb), x, y_attack))}
    if "ours" in nets:
        enc, dec = nets["ours"]
        rec = LatentSearchPurifier(enc, dec, mode="reconstruct")
        inputs["white_ours"] = cache.get("white_ours", 0, lambda: attack_in_batches(
            lambda xb, yb: fgsm(lambda t: a(rec.white_box_part(t)), xb, eps, y=yb), x, y_attack))
    result = {"dataset": config.dataset, "n": int(len(y)), "eps": eps, "settings": settings, "cells": [],
              "missing": missing}
    bs = config.batch_size
    for method, restarts, steps in cells(config, nets):
        if method == "ours":
            pur = LatentSearchPurifier(*nets["ours"], mode="search", steps=steps)
        else:
            pur = DefenseGANPurifier(nets["defensegan"], steps=steps, restarts=restarts)
        cell = {"method": method, "R": restarts, "L": steps}
        seconds = 0.0
        for inp, images in column_inputs(inputs, method).items():
            # Where the white-box images are the gray-box ones (Defense-GAN), their predictions are too.
            key = "gray" if inp == "white" and images is inputs["gray"] else inp

            def predict(sl, images=images):
                t = time.time()
                pred = predict_labels(a, pur.purify_all(images[sl])[0])
                return np.append(pred.astype(np.float64), time.time() - t)

            parts = [cache.get(f"{method}_R{restarts}_L{steps}_{key}", i, lambda sl=slice(i, i + bs): predict(sl))
                     for i in range(0, len(y), bs)]
            pred = np.concatenate([p[:-1] for p in parts]).astype(np.int64)
            cell[inp] = accuracy_record(int((pred == y).sum()), len(y))
            if inp == "clean":
                seconds = float(sum(p[-1] for p in parts))
        cell["seconds_per_image"] = seconds / len(y)
        result["cells"].append(cell)
        progress(f"{method:<10} R={restarts:<2} L={steps:<3} " + "  ".join(f"{i} {fmt(cell[i])}" for i in INPUTS)
                 + f"  {cell['seconds_per_image']:.3g} s/image")
        write(result, config.out)
    if result["cells"]:
        tradeoff_plot(result["cells"], os.path.join(config.out, f"tradeoff_{config.dataset}.png"),
                      title=f"Table 2 on {config.dataset}: gray-box FGSM eps {eps}, n={len(y)}")
    cache.remove()
    write(result, config.out)
    return result


def markdown(result):
    lines = [f"### Table 2 on {result['dataset']} (test, n={result['n']}, FGSM eps {result['eps']})", "",
             "| method | R | L | clean | white | gray | s/image | *paper: clean / white / gray* |",
             "|---|---|---|---|---|---|---|---|"]
    for c in result["cells"]:
        theirs = paper.table2(result["dataset"], c["method"], c["R"], c["L"])
        lines.append(f"| {c['method']} | {c['R']} | {c['L']} | "
                     + " | ".join(f"{c[i]['accuracy']:.3f} [{c[i]['ci'][0]:.3f}, {c[i]['ci'][1]:.3f}]" for i in INPUTS)
                     + f" | {c['seconds_per_image']:.3g} | "
                     + (" / ".join(f"*{v:.3f}*" for v in theirs) if theirs else "") + " |")
    for name, why in result.get("missing", {}).items():
        lines.append(f"\n- `{name}` not run: {why}")
    lines.append("\nWhite-box: FGSM through A(G(F(x))) for Ours (the real attack on its differentiable part); "
                 "Defense-GAN's projection passes no gradient, so its white-box row is the gray-box one, as the "
                 "paper ran it. The adaptive attacks are `evaluate.adaptive`'s.")
    lines.append(f"\nSettings: {json.dumps(result['settings'])}")
    return "\n".join(lines) + "\n"


def write(result, out):
    return write_report(result, os.path.join(out, f"tradeoff_{result['dataset']}"), markdown(result))
