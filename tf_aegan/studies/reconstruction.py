"""Reconstruction error of AE-GAN networks on the same images: does a decoder fine-tuned for another
goal still give images? The defended-classifier study's check (2) of design 3: its G(F(x)) error on
validation images at most `max_ratio` times the shipped network's (tf_aegan/studies/defended.py)."""

import dataclasses
import os

import numpy as np

from tf_aegan import checks, defaults
from tf_aegan.reports import write_report


@dataclasses.dataclass
class ReconstructionConfig:
    folders: tuple = ()          # "NAME=FOLDER" pairs (a folder with encoder.keras and decoder.keras); the first is the reference
    dataset: str = "fashion_mnist"
    data_dir: str = None
    split: str = "val"
    n: int = 1000
    max_ratio: float = 2.0       # a network passes when its mean error is at most this times the reference's
    batch_size: int = 500
    out: str = defaults.RESULTS_OUT

    def check(self):
        if len(self.folders) < 2:
            raise ValueError(f"--folders needs a reference and at least one network to compare, got {list(self.folders)}")
        checks.one_of("split", self.split, ("val", "test"))
        if self.n < 1 or self.batch_size < 1 or not self.max_ratio > 0:
            raise ValueError(f"need n >= 1, batch_size >= 1 and max_ratio > 0, got {self.n}, {self.batch_size}, "
                             f"{self.max_ratio}")


def errors(encoder, decoder, x, batch_size=500):
    """||G(F(x)) - x||_2^2 per image (Eq. 2's reconstruction term, summed over pixels), as float64."""
    import tensorflow as tf

    out = []
    for i in range(0, len(x), batch_size):
        v = tf.constant(x[i:i + batch_size])
        rec = tf.cast(decoder(encoder(v, training=False), training=False), tf.float32)
        out.append(tf.reduce_sum(tf.square(rec - v), axis=[1, 2, 3]).numpy().astype(np.float64))
    return np.concatenate(out)


def run_reconstruction(config: ReconstructionConfig, progress=print):
    """Each folder's mean per-image reconstruction error on the first n images of the split (95% interval
    of the mean), and its ratio to the first folder's on the same images."""
    from tf_aegan import store
    from tf_aegan.data import load_dataset

    config.check()
    folders = checks.method_folders(config.folders)
    data = load_dataset(config.dataset, config.data_dir)
    if config.n > data.split(config.split).size:
        raise ValueError(f"n = {config.n} is more than the {config.split} split's {data.split(config.split).size} images")
    x, _ = data.arrays(config.split, config.n)
    rows = []
    for name, folder in folders.items():
        enc, dec = store.load_autoencoder(os.path.dirname(folder) or ".", os.path.basename(folder), config.dataset)
        e = errors(enc, dec, x, config.batch_size)
        half = 1.96 * e.std(ddof=1) / np.sqrt(len(e)) if len(e) > 1 else 0.0
        rows.append({"name": name, "folder": os.path.relpath(folder) if os.path.isabs(folder) else folder,
                     "mean": float(e.mean()), "ci": [float(e.mean() - half), float(e.mean() + half)],
                     "median": float(np.median(e))})
        progress(f"{name}: mean ||G(F(x)) - x||^2 {e.mean():.3f} [{e.mean() - half:.3f}, {e.mean() + half:.3f}] "
                 f"on {len(e)} {config.split} images")
    ref = rows[0]["mean"]
    for r in rows[1:]:
        r["ratio"] = r["mean"] / ref
        r["passed"] = bool(r["ratio"] <= config.max_ratio)
    result = {"dataset": config.dataset, "split": config.split, "n": int(len(x)), "max_ratio": config.max_ratio,
              "reference": rows[0]["name"], "rows": rows,
              "settings": {k: v for k, v in dataclasses.asdict(config).items() if k not in ("out", "data_dir")}}
    write_report(result, os.path.join(config.out, f"reconstruction_{config.dataset}"), markdown(result))
    return result


def markdown(result):
    split = {"val": "validation", "test": "test"}[result["split"]]
    lines = [f"### Reconstruction error ||G(F(x)) - x||^2 per image ({result['dataset']}, first {result['n']} {split} "
             "images, mean and its 95% interval)", "",
             f"| network | folder | mean | median | ratio to {result['reference']} | at most {result['max_ratio']:g}x |",
             "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "1 (reference)"
        ok = "-" if "passed" not in r else ("yes" if r["passed"] else "**no**")
        lines.append(f"| {r['name']} | `{r['folder']}` | {r['mean']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | "
                     f"{r['median']:.3f} | {ratio} | {ok} |")
    return "\n".join(lines) + "\n"
