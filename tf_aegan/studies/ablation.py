"""Table 3: the ablation of AE-GAN+rs on the 2000-image dev set.

Columns: each auto-encoder (AE, AE-GAN, AE-GAN+r; BiGAN when trained) alone, G(F(x)), and with the
latent search (+s, L = 20 as in Table 3). Rows: gray-box FGSM (eps 0.3), gray-box CW-L2 and the
half-masked corruption (bottom half set to 0), each scored by classifier A after purification,
and the clean dev images. Every network must have been trained for the same number of epochs;
the table says how many each had.
"""

import dataclasses
import json
import os

from tf_aegan import defaults
from tf_aegan.reports import write_report

ROWS = ("clean", "fgsm", "cw", "half_mask")


@dataclasses.dataclass
class AblationConfig:
    networks: tuple = (("AE", "ae_nonoise"), ("AE-GAN", "aegan_nonoise"), ("AE-GAN+r", "aegan"),
                       ("BiGAN", "bigan"))  # (label, folder)
    workdir: str = None                     # classifier A and the folders; default weights/<dataset>
    dataset: str = "fashion_mnist"
    data_dir: str = None
    n: int = 2000                           # the dev set (Section 4.1)
    search_steps: int = 20                  # Table 3's L
    search_step_size: float = defaults.SEARCH_STEP_SIZE
    labels: str = "predicted"
    cw_iterations: int = 100
    cw_binary_steps: int = 3
    out: str = defaults.RESULTS_OUT


def run_ablation(config: AblationConfig, progress=print):
    from tf_aegan import store
    from tf_aegan.attacks import carlini_wagner_l2, fgsm, half_mask
    from tf_aegan.data import load_dataset
    from tf_aegan.attacks.threat import attack_labels
    from tf_aegan.evaluation import accuracy, attack_in_batches, fmt
    from tf_aegan.purify import LatentSearchPurifier
    from tf_aegan.train.jobs import read_history

    workdir = config.workdir or store.shipped_dir(config.dataset)
    a = store.load_classifier(workdir, "A", config.dataset)
    data = load_dataset(config.dataset, config.data_dir)
    if not 1 <= config.n <= data.split("dev").size:
        raise ValueError(f"n = {config.n} must be between 1 and the dev set's {data.split('dev').size}")
    x, y = data.arrays("dev", config.n)
    y_attack = attack_labels(config.labels, y)
    eps = defaults.EPSILON[config.dataset]
    inputs = {"clean": x, "fgsm": attack_in_batches(lambda xb, yb: fgsm(a, xb, eps, y=yb), x, y_attack),
              "half_mask": half_mask(x)}
    progress(f"dev n={len(y)}: FGSM eps {eps} made; CW-L2 ({config.cw_iterations} x {config.cw_binary_steps}) next")
    inputs["cw"] = attack_in_batches(lambda xb, _: carlini_wagner_l2(a, xb, max_iterations=config.cw_iterations,
                                                                     binary_search_steps=config.cw_binary_steps), x, y)
    result = {"dataset": config.dataset, "split": "dev", "n": int(len(y)), "labels": config.labels,
              "settings": {k: v for k, v in dataclasses.asdict(config).items() if k != "out"},
              "none": {row: accuracy(a, imgs, y) for row, imgs in inputs.items()}, "columns": [], "missing": {}}
    for label, folder in config.networks:
        try:
            enc, dec = store.load_autoencoder(workdir, folder, config.dataset)
        except ValueError as e:
            result["missing"][label] = str(e)
            progress(f"{label}: skipped: {e}")
            continue
        history = read_history(os.path.join(workdir, folder))
        epochs = len(next(iter(history.values()))) if history else None
        for searched in (False, True):
            pur = LatentSearchPurifier(enc, dec, mode="search" if searched else "reconstruct",
                                       steps=config.search_steps, step_size=config.search_step_size)
            column = {"label": label + ("+s" if searched else ""), "folder": folder, "epochs": epochs,
                      **{row: accuracy(a, pur.purify_all(imgs)[0], y) for row, imgs in inputs.items()}}
            result["columns"].append(column)
            progress(f"{column['label']:<12} " + "  ".join(f"{row} {fmt(column[row])}" for row in ROWS))
            write(result, config.out)
    write(result, config.out)
    return result


def markdown(result):
    cols = result["columns"]
    lines = [f"### Table 3 on {result['dataset']} (dev, n={result['n']}, {result['labels']} labels)", "",
             "| input | None | " + " | ".join(c["label"] for c in cols) + " |", "|---|---|" + "---|" * len(cols)]
    for row in ROWS:
        lines.append(f"| {row} | {result['none'][row]['accuracy']:.3f} | "
                     + " | ".join(f"{c[row]['accuracy']:.3f}" for c in cols) + " |")
    lines.append("| epochs trained | | " + " | ".join(str(c["epochs"]) for c in cols) + " |")
    for label, why in result.get("missing", {}).items():
        lines.append(f"\n- `{label}` not run: {why}")
    lines.append(f"\nSettings: {json.dumps(result['settings'])}")
    return "\n".join(lines) + "\n"


def write(result, out):
    return write_report(result, os.path.join(out, f"ablation_{result['dataset']}"), markdown(result))
