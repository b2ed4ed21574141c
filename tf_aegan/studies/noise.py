"""The noise study: which noise setting of Algorithm 1 makes AE-GAN+rs purify, picked on validation.

The rule, fixed before the first run: the highest gray-box FGSM accuracy of AE-GAN+rs (classifier A
on the searched images) among runs whose clean accuracy after the same search is at least
`clean_floor` (0.83, the paper's Table 2 clean accuracy of its method is 0.837). All runs are
scored on the same validation images and the same adversarial examples; the search is
`search_steps` = 15 steps of size `search_step_size` = 10 on the per-pixel MSE (a size that
descends on the shipped networks, unlike 100), so runs differ only by their networks.
"""

import dataclasses
import json
import os
import time


from tf_aegan import checks, defaults
from tf_aegan.reports import write_report


@dataclasses.dataclass
class NoiseStudyConfig:
    root: str = "study/fashion_mnist"            # one subfolder per run (train.aegan --name)
    runs: tuple = None                           # these run folders instead of every run under root
    dataset: str = "fashion_mnist"
    data_dir: str = None
    classifier_workdir: str = None               # classifier A; default: the shipped weights/<dataset>
    baseline: str = None                         # a folder of networks scored beside the runs (shipped AE-GAN+r)
    n: int = 1000                                # validation images
    labels: str = "predicted"                    # FGSM labels: A's predictions (the paper's code) or "true"
    search_steps: int = 15
    search_step_size: float = 10.0
    search_factor: float = 1.0
    clean_floor: float = 0.83
    out: str = defaults.RESULTS_OUT
    seed: int = 0


def run_dirs(root):
    """Subfolders of `root` holding an encoder, a decoder and a config.json, sorted by name."""
    if not os.path.isdir(root):
        raise ValueError(f"no study folder at {root}: train runs into it with "
                         f"python -m train.aegan --workdir {os.path.dirname(root) or '.'} --name <run>")
    found = [os.path.join(root, d) for d in sorted(os.listdir(root)) if not _missing(os.path.join(root, d))]
    if not found:
        raise ValueError(f"{root} holds no trained run (a folder with encoder.keras, decoder.keras and config.json)")
    return found


RUN_FILES = ("encoder.keras", "decoder.keras", "config.json")  # what a trained AE-GAN+r run folder holds


def _missing(folder):
    return [f for f in RUN_FILES if not os.path.isfile(os.path.join(folder, f))]


def _checked_run(folder):
    """`folder` if it holds a trained AE-GAN+r run (encoder, decoder, config.json), else a ValueError naming it."""
    missing = _missing(folder)
    if missing:
        raise ValueError(f"run folder {folder} lacks {', '.join(missing)}")
    return folder


def _describe(folder):
    from tf_aegan.train.jobs import read_history
    from tf_aegan.train.runner import logged_epochs

    path = os.path.join(folder, "config.json")
    config = json.load(open(path)) if os.path.isfile(path) else {}
    history = read_history(folder)
    return {"run": os.path.basename(folder.rstrip("/")), "folder": folder,
            "noise_eta": config.get("noise_eta"), "noise_schedule": config.get("noise_schedule", "uniform"),
            "recon_reduction": config.get("recon_reduction", "sum"), "init_from": config.get("init_from"),
            "noise": config.get("noise", "gaussian"),
            "epochs": logged_epochs(folder),
            "final_val_recon_loss": history.get("val_recon_loss", [None])[-1] if history else None}


def pick(rows, clean_floor):
    """The rule: max gray-box accuracy of AE-GAN+rs among rows with clean accuracy >= clean_floor.

    Runs with adversarial noise are beyond the paper and never picked as its method."""
    allowed = [r for r in rows if r["clean_search"]["accuracy"] >= clean_floor
               and r.get("noise", "gaussian") == "gaussian"]
    if not allowed:
        return None
    return max(allowed, key=lambda r: (r["gray_search"]["accuracy"], r["clean_search"]["accuracy"]))["run"]


def run_noise_study(config: NoiseStudyConfig, progress=print):
    """Score every run (and the baseline) on validation; returns the result dict and writes it."""
    import keras
    import tensorflow as tf

    from tf_aegan import store

    from tf_aegan.attacks import fgsm
    from tf_aegan.data import load_dataset
    from tf_aegan.attacks.threat import attack_labels
    from tf_aegan.evaluation import accuracy, attack_in_batches, fmt
    from tf_aegan.purify import LatentSearchPurifier
    from tf_aegan.purify.search import per_example_error

    checks.one_of("attack labels", config.labels, defaults.ATTACK_LABELS)
    folders = [_checked_run(f) for f in config.runs] if config.runs else run_dirs(config.root)
    if config.baseline:
        folders = [config.baseline] + folders
    keras.utils.set_random_seed(config.seed)
    classifier_dir = config.classifier_workdir or store.shipped_dir(config.dataset)
    a = store.load_classifier(classifier_dir, "A", config.dataset)
    data = load_dataset(config.dataset, config.data_dir)
    x, y = data.arrays("val", config.n)
    eps = defaults.EPSILON[config.dataset]
    attack_y = attack_labels(config.labels, y)
    gray = attack_in_batches(lambda xb, yb: fgsm(a, xb, eps, y=yb), x, attack_y)
    result = {"dataset": config.dataset, "split": "val", "n": int(len(y)), "eps": eps, "labels": config.labels,
              "settings": dataclasses.asdict(config), "none": {"clean": accuracy(a, x, y), "gray": accuracy(a, gray, y)},
              "rule": f"max gray-box FGSM accuracy of AE-GAN+rs among runs with clean accuracy after the search "
                      f">= {config.clean_floor}", "rows": []}
    progress(f"val n={len(y)}, FGSM eps={eps} on A's {config.labels} labels: A alone clean "
             f"{fmt(result['none']['clean'])}, gray {fmt(result['none']['gray'])}")
    for folder in folders:
        row = _describe(folder)
        enc = store.load_keras(os.path.join(folder, "encoder.keras"), "encoder")
        dec = store.load_keras(os.path.join(folder, "decoder.keras"), "decoder")
        rec = LatentSearchPurifier(enc, dec, mode="reconstruct")
        search = LatentSearchPurifier(enc, dec, mode="search", steps=config.search_steps,
                                      step_size=config.search_step_size, factor=config.search_factor)
        t = time.time()
        white = attack_in_batches(lambda xb, yb: fgsm(lambda v: a(rec.white_box_part(v)), xb, eps, y=yb), x, attack_y)
        for name, images in (("clean", x), ("gray", gray), ("white", white)):
            r_img = rec.purify_all(images)[0]
            s_img = search.purify_all(images)[0]
            row[f"{name}_reconstruct"] = accuracy(a, r_img, y)
            row[f"{name}_search"] = accuracy(a, s_img, y)
            row[f"{name}_error"] = [float(tf.reduce_mean(per_example_error(tf.constant(r_img), tf.constant(images)))),
                                    float(tf.reduce_mean(per_example_error(tf.constant(s_img), tf.constant(images))))]
        row["seconds"] = round(time.time() - t, 1)
        row["baseline"] = folder == config.baseline
        result["rows"].append(row)
        progress(f"{row['run']:<16} eta {row['noise_eta']} ({row['noise_schedule']}), {row['epochs']} ep: "
                 f"clean {fmt(row['clean_search'])}  gray {fmt(row['gray_search'])}  "
                 f"white {fmt(row['white_search'])}  (G(F(x)): clean {row['clean_reconstruct']['accuracy']:.3f}, "
                 f"gray {row['gray_reconstruct']['accuracy']:.3f})")
        write(result, config.out)
    result["pick"] = pick([r for r in result["rows"] if not r["baseline"]], config.clean_floor)
    progress(f"pick by the rule: {result['pick']}")
    write(result, config.out)
    return result


def _cell(acc):
    return f"{acc['accuracy']:.3f} [{acc['ci'][0]:.3f}, {acc['ci'][1]:.3f}]"


def markdown(result):
    lines = [f"### Noise study on {result['dataset']} validation (n={result['n']}, FGSM eps {result['eps']}, "
             f"labels: A's {result['labels']})", "",
             "| run | eta | schedule | epochs | clean +rs | gray +rs | white +rs | clean +r | gray +r | "
             "MSE gray before/after search |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        name = f"{r['run']} (baseline)" if r.get("baseline") else r["run"]
        if r.get("noise") == "adversarial":
            name += " (adversarial noise, beyond the paper)"
        lines.append(f"| {name} | {r['noise_eta']} | {r['noise_schedule']} | {r['epochs']} | {_cell(r['clean_search'])} | "
                     f"{_cell(r['gray_search'])} | {_cell(r['white_search'])} | {r['clean_reconstruct']['accuracy']:.3f} | "
                     f"{r['gray_reconstruct']['accuracy']:.3f} | {r['gray_error'][0]:.4f} / {r['gray_error'][1]:.4f} |")
    lines += ["", f"A alone: clean {_cell(result['none']['clean'])}, gray {_cell(result['none']['gray'])}",
              f"Rule: {result['rule']}. Pick: **{result.get('pick')}**."]
    return "\n".join(lines) + "\n"


def write(result, out):
    return write_report(result, os.path.join(out, f"noise_study_{result['dataset']}"), markdown(result))
