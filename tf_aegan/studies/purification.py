"""Purification and detection on the test set (Section 4.4; Figures 3, 7, 8 and 10).

Classifier A on clean test images and on gray-box FGSM examples: without defense, after G(F(x))
(AE-GAN+r), after the search (AE-GAN+rs) and through the gated purifier; the detector's ROC and
AUC (MSE and L1) against FGSM of several sizes; a grid of FGSM examples and their purifications.
"""

import dataclasses
import os
import time

import numpy as np

from tf_aegan import defaults
from tf_aegan.reports import write_report


@dataclasses.dataclass
class PurificationConfig:
    workdir: str = None                      # default weights/<dataset>
    aegan: str = "aegan"
    dataset: str = "fashion_mnist"
    data_dir: str = None
    n: int = 10000
    eps_list: tuple = (0.1, 0.2, 0.3)
    fpr: float = defaults.DETECTOR_FPR
    labels: str = "predicted"
    out: str = defaults.RESULTS_OUT


def run_purification(config: PurificationConfig, progress=print):
    from tf_aegan import plots, store
    from tf_aegan.attacks import fgsm
    from tf_aegan.attacks.threat import attack_labels
    from tf_aegan.evaluation import accuracy, attack_in_batches, fmt, load_defended
    from tf_aegan.purify import LatentSearchPurifier, fitted_gated_purifier

    workdir = config.workdir or store.shipped_dir(config.dataset)
    classifier, encoder, decoder, data = load_defended(workdir, config.aegan, config.dataset, config.data_dir)
    if not 1 <= config.n <= data.split("test").size:
        raise ValueError(f"n = {config.n} must be between 1 and the test set's {data.split('test').size}")
    x, y = data.arrays("test", config.n)
    os.makedirs(config.out, exist_ok=True)
    y_attack = attack_labels(config.labels, y)
    eps_main = defaults.EPSILON[config.dataset]
    purifiers = {m: LatentSearchPurifier(encoder, decoder, mode=m) for m in ("reconstruct", "search")}
    purifiers["gated"] = fitted_gated_purifier(encoder, decoder, data, config.fpr)
    result = {"dataset": config.dataset, "n": len(y), "aegan": config.aegan, "labels": config.labels,
              "threshold_mse": purifiers["gated"].threshold, "fpr_target": config.fpr,
              "accuracy": {}, "seconds_per_image": {}, "auc": {}}
    eps_list = sorted(set(config.eps_list) | {eps_main})
    adv = {eps: attack_in_batches(lambda a, b, e=eps: fgsm(classifier, a, e, y=b), x, y_attack) for eps in eps_list}
    for name, images in (("clean", x), (f"fgsm_{eps_main:g}", adv[eps_main])):
        result["accuracy"][f"{name}/none"] = accuracy(classifier, images, y)
        progress(f"{name:>10} none        {fmt(result['accuracy'][f'{name}/none'])}")
        for mode, pur in purifiers.items():
            t = time.time()
            purified, flags, _ = pur.purify_all(images)
            result["seconds_per_image"][f"{name}/{mode}"] = (time.time() - t) / len(y)
            result["accuracy"][f"{name}/{mode}"] = acc = accuracy(classifier, purified, y)
            progress(f"{name:>10} {mode:<11} {fmt(acc)}" + (f"  ({int(flags.sum())} flagged)" if mode == "gated" else ""))
    idx = np.arange(min(8, len(y)))
    plots.image_rows([adv[eps_main][idx], purifiers["reconstruct"](adv[eps_main][idx]).numpy(),
                      purifiers["search"](adv[eps_main][idx]).numpy(), x[idx]],
                     os.path.join(config.out, f"purified_{config.dataset}.png"),
                     labels=[f"FGSM {eps_main:g}", "G(F(x))", "+search", "clean"],
                     title=f"{config.dataset}: FGSM gray-box examples and their purifications")
    figure_10(classifier, purifiers["search"], x[idx], None if y_attack is None else y_attack[idx], eps_main, config)
    rec_acc = []
    for eps in eps_list:  # Figure 3(c): purification against the attack's size
        acc = accuracy(classifier, purifiers["reconstruct"].purify_all(adv[eps])[0], y)
        result["accuracy"][f"fgsm_{eps:g}/reconstruct"] = acc
        rec_acc.append(acc["accuracy"])
    for metric in ("mse", "l1"):
        det = LatentSearchPurifier(encoder, decoder, mode="reconstruct", detector_metric=metric).detector
        curves = {}
        for eps in eps_list:
            fpr, tpr, thresholds, auc = det.roc(x, adv[eps])
            curves[f"eps={eps:g}"] = (fpr, tpr, auc, thresholds)
            result["auc"][f"{metric}/fgsm_{eps:g}"] = auc
            progress(f"detector {metric:>3} AUC vs FGSM eps={eps:g}: {auc:.4f}")
        plots.roc_curves(curves, os.path.join(config.out, f"roc_{metric}_{config.dataset}.png"),
                         title=f"{config.dataset}: detection by {metric.upper()} of G(F(x)) - x (Figures 3, 7, 8)")
    plots.detection_vs_eps(eps_list, {m: [result["auc"][f"{m}/fgsm_{e:g}"] for e in eps_list] for m in ("mse", "l1")},
                           {"G(F(x))": rec_acc}, os.path.join(config.out, f"detection_vs_eps_{config.dataset}.png"),
                           title=f"{config.dataset}: detection and purification against FGSM's eps")
    write(result, config.out)
    return result


def figure_10(classifier, search, x, y_attack, eps, config):
    """Figure 10: FGSM, PGD and CW-L2 examples (gray-box) and their AE-GAN+rs purifications."""
    from tf_aegan import plots
    from tf_aegan.attacks import carlini_wagner_l2, fgsm, pgd

    rows, labels = [], []
    for name, make in (("FGSM", lambda: fgsm(classifier, x, eps, y=y_attack)),
                       ("PGD", lambda: pgd(classifier, x, eps, y=y_attack, seed=0)),
                       ("CW-L2", lambda: carlini_wagner_l2(classifier, x, max_iterations=100, binary_search_steps=3))):
        adv = np.asarray(make(), np.float32)
        rows += [adv, search(adv).numpy()]
        labels += [name, "AE-GAN+rs"]
    plots.image_rows(rows + [x], os.path.join(config.out, f"figure10_{config.dataset}.png"), labels=labels + ["clean"],
                     title=f"{config.dataset}: attacks on A and their AE-GAN+rs purifications (Figure 10)")


def markdown(result):
    lines = [f"### Purification on {result['dataset']} test (n={result['n']}, {result['labels']} labels)", "",
             "| input / purifier | accuracy | s/image |", "|---|---|---|"]
    for key, acc in result["accuracy"].items():
        sec = result["seconds_per_image"].get(key)
        lines.append(f"| {key} | {acc['accuracy']:.3f} [{acc['ci'][0]:.3f}, {acc['ci'][1]:.3f}] | "
                     f"{'' if sec is None else f'{sec:.2g}'} |")
    lines += ["", "| detector AUC | value |", "|---|---|"] + [f"| {k} | {v:.4f} |" for k, v in result["auc"].items()]
    return "\n".join(lines) + "\n"


def write(result, out):
    return write_report(result, os.path.join(out, f"purification_{result['dataset']}"), markdown(result))
