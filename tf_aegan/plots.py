"""Figures: image grids (Figures 5, 9, 10) and loss curves."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _finish(fig, titled, path, title=None, dpi=100, pad=None):
    """Title (`titled` is the figure, or the axes of a one-panel plot), lay out, save and close."""
    if title:
        (titled.suptitle if titled is fig else titled.set_title)(title, fontsize=9)
    fig.tight_layout(**({} if pad is None else {"pad": pad}))
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def image_rows(rows, path, labels=None, title=None):
    """Save rows of images (each an array (N, H, W, C) in [0, 1]) as one grid PNG: one mosaic drawn on one
    axis (a subplot per image costs seconds per figure in every training epoch)."""
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    first = np.asarray(rows[0][0])
    h, w, c = first.shape[0], first.shape[1], first.shape[-1] if first.ndim == 3 else 1
    gap = max(1, h // 14)
    mosaic = np.ones((n_rows * (h + gap) - gap, n_cols * (w + gap) - gap, 3 if c == 3 else 1), np.float32)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            img = np.clip(np.asarray(img, np.float32), 0, 1).reshape(h, w, -1)
            mosaic[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = img
    fig, ax = plt.subplots(figsize=(n_cols * 0.9, n_rows * 0.95 + (0.3 if title else 0)))
    ax.imshow(mosaic[..., 0] if mosaic.shape[-1] == 1 else mosaic, cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if labels:
        ax.set_yticks([i * (h + gap) + h / 2 for i in range(n_rows)], labels[:n_rows], fontsize=8)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    _finish(fig, fig, path, title, pad=0.2)


def loss_curves(history, keys, path, title=None):
    """Plot per-epoch values of `keys` from a dict of lists (Keras history / history.csv)."""
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 2.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        ax.plot(np.arange(1, len(history[key]) + 1), history[key], marker="o", ms=3)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
    _finish(fig, fig, path, title)


def line_curves(curves, path, ylabel, title=None, xlabel="epoch", first=1, log_y=False):
    """One line per run or setting: `curves` maps a label to its values at x = first, first + 1, ...
    (per-epoch values from 1; a search's error trajectory from step 0, on a log scale)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4) if first else (6.5, 4))
    for label, values in curves.items():
        ax.plot(np.arange(first, len(values) + first), values, label=label,
                **({"marker": "o", "ms": 3} if first else {"lw": 1}))
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7 if len(curves) < 10 else 5, ncol=1 if len(curves) < 10 else 2)
    _finish(fig, ax, path, title)


def interval_curves(x, panels, path, xlabel, title=None):
    """One panel per measure: `panels` maps a y-label to (values, lows, highs) at the points `x`, each value
    with its 95% interval as an error bar (a training's checkpoints scored on the same images)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False)
    for ax, (ylabel, (values, lows, highs)) in zip(axes[0], panels.items()):
        values, lows, highs = (np.asarray(v, float) for v in (values, lows, highs))
        ax.errorbar(x, values, yerr=[values - lows, highs - values], marker="o", ms=3, capsize=2)
        ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
    _finish(fig, fig, path, title)


def roc_curves(curves, path, title=None):
    """Figures 3, 7, 8 (a) and (b): ROC curves, and FNR / FPR against the threshold.

    `curves` maps a label to (fpr, tpr, auc) or (fpr, tpr, auc, thresholds); with thresholds, a
    second panel shows the false negative and false positive rates as the threshold grows."""
    with_thr = all(len(c) == 4 for c in curves.values())
    fig, axes = plt.subplots(1, 2 if with_thr else 1, figsize=(7.2 if with_thr else 3.6, 3.4), squeeze=False)
    ax = axes[0, 0]
    for label, (fpr, tpr, auc, *_) in curves.items():
        ax.plot(fpr, tpr, label=f"{label}, AUC={auc:.3f}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.5, ls="--")
    ax.set_xlabel("false positive rate", fontsize=8)
    ax.set_ylabel("true positive rate", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    if with_thr:
        ax2 = axes[0, 1]
        for i, (label, (fpr, tpr, _, thr)) in enumerate(curves.items()):
            keep = np.isfinite(thr)
            ax2.plot(thr[keep], 1 - tpr[keep], color=f"C{i}", label=f"FNR, {label}")
        fpr, _, _, thr = next(iter(curves.values()))
        keep = np.isfinite(thr)
        ax2.plot(thr[keep], fpr[keep], color="black", ls="--", label="FPR (clean)")
        ax2.set_xscale("log")
        ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax2.set_xlabel("threshold on the reconstruction error", fontsize=8)
        ax2.set_ylabel("rate", fontsize=8)
        ax2.legend(fontsize=6)
    _finish(fig, fig, path, title, dpi=110)


def detection_vs_eps(eps, aucs, accuracies, path, title=None):
    """Figure 3(c): detection AUC and accuracy after purification against the attack's eps."""
    fig, ax = plt.subplots(figsize=(3.8, 3.2))
    for label, values in aucs.items():
        ax.plot(eps, values, marker="o", ms=3, label=f"AUC, {label}")
    for label, values in accuracies.items():
        ax.plot(eps, values, marker="s", ms=3, ls="--", label=f"accuracy, {label}")
    ax.set_xlabel("FGSM eps", fontsize=8)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=6)
    _finish(fig, ax, path, title, dpi=110)


def tradeoff_plot(cells, path, title=None):
    """Table 2 as a figure: gray-box accuracy against seconds per image, one line per method and R."""
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    for key in dict.fromkeys((c["method"], c["R"]) for c in cells):
        row = sorted((c for c in cells if (c["method"], c["R"]) == key), key=lambda c: c["L"])
        ax.plot([c["seconds_per_image"] for c in row], [c["gray"]["accuracy"] for c in row], marker="o",
                label=f"{key[0]} R={key[1]}")
        for c in row:
            ax.annotate(f"L={c['L']}", (c["seconds_per_image"], c["gray"]["accuracy"]), fontsize=7,
                        textcoords="offset points", xytext=(3, 3))
    ax.set_xscale("log")
    ax.set_xlabel("seconds per image (this machine)", fontsize=8)
    ax.set_ylabel("accuracy, gray-box FGSM", fontsize=8)
    ax.legend(fontsize=7)
    _finish(fig, ax, path, title)


def grouped_bars(groups, series, path, ylabel="accuracy", title=None):
    """Table 8 as a figure: one cluster of bars per group (e.g. "gray FGSM"), one bar per series, each
    `series[label]` a list of (value, low, high) per group (None where not measured), the 95% interval
    drawn as an error bar."""
    fig, ax = plt.subplots(figsize=(max(4.8, 1.1 * len(groups) + 1.5), 3.4))
    width = 0.8 / max(1, len(series))
    for k, (label, cells) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i, c in enumerate(cells) if c is not None]
        kept = [c for c in cells if c is not None]
        if not kept:
            continue
        values = np.array([c[0] for c in kept])
        err = np.clip(np.array([[c[0] - c[1] for c in kept], [c[2] - c[0] for c in kept]]), 0, None)  # float noise
        ax.bar(xs, values, width, yerr=err, capsize=2, label=label, error_kw={"lw": 0.8})
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=7)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6)
    _finish(fig, ax, path, title, dpi=110)
