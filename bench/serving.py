"""Served SavedModel against the in-process purifier: latency at batch 1, throughput at batch 64.

Exports the gated model and an always-search model (every image flagged) from the same networks,
loads both with `tf.saved_model.load`, and times them and the in-process gated purifier +
classifier on the same clean and FGSM test images. Also checks that served outputs equal the
in-process ones.
"""

import json
import tempfile

import numpy as np

from bench.timing import interleaved_medians
from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m bench.serving", __doc__)
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--batch", type=int, default=64, help="batch size for throughput")
    p.add_argument("--single", type=int, default=20, help="single-image requests timed for latency (median)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats of a batch (median)")
    p.add_argument("--fpr", type=float, default=0.05, help="detector false-positive rate on clean validation images")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    import tensorflow as tf

    from tf_aegan.attacks import fgsm
    from tf_aegan.evaluation import load_defended
    from tf_aegan.purify import LatentSearchPurifier
    from tf_aegan.serving import DefendedClassifier

    clf, enc, dec, data = load_defended(cli.default_workdir(args, shipped=True), args.aegan, args.dataset, args.data_dir)
    inproc = LatentSearchPurifier(enc, dec, mode="gated")
    threshold = inproc.detector.fit_threshold(data.arrays("val", 2000)[0], args.fpr)
    x, y = data.arrays("test", args.batch)
    inputs = {"clean": x, "fgsm": np.asarray(fgsm(clf, x, defaults.EPSILON[args.dataset], y=y))}
    tmp = tempfile.mkdtemp()
    served = {}
    for name, thr in (("gated", threshold), ("always_search", -1.0)):
        DefendedClassifier(clf, inproc, thr).save(f"{tmp}/{name}")
        served[name] = tf.saved_model.load(f"{tmp}/{name}").signatures["serving_default"]
    purify = tf.saved_model.load(f"{tmp}/gated").signatures["purify"]

    def run_inproc(images):
        return tf.nn.softmax(clf(inproc.purify(images).images, training=False)).numpy()

    runners = {"served gated": lambda im: served["gated"](images=tf.constant(im))["probabilities"].numpy(),
               "served always-search": lambda im: served["always_search"](images=tf.constant(im))["probabilities"].numpy(),
               "in-process gated": run_inproc}
    figures = {"threshold": threshold, "batch": args.batch, "rows": []}
    print(f"{'model':<22} {'input':<6} {'latency b=1 (ms)':>17} {'images/s b=%d' % args.batch:>15} {'flagged':>8}")
    for kind, images in inputs.items():
        flagged = int(served["gated"](images=tf.constant(images))["flagged"].numpy().sum())
        singles = interleaved_medians({name: (lambda f=fn: f(images[:1])) for name, fn in runners.items()}, args.single)
        batches = interleaved_medians({name: (lambda f=fn: f(images)) for name, fn in runners.items()}, args.repeats)
        for name in runners:
            row = {"model": name, "input": kind, "latency_ms": 1000 * singles[name],
                   "images_per_s": len(images) / batches[name], "flagged": flagged}
            figures["rows"].append(row)
            print(f"{name:<22} {kind:<6} {row['latency_ms']:>17.1f} {row['images_per_s']:>15.1f} {flagged:>8}", flush=True)
        out = purify(images=tf.constant(images))
        diff = float(np.abs(out["images"].numpy() - inproc.purify(images).images.numpy()).max())
        figures[f"max_abs_diff_{kind}"] = diff
        print(f"served vs in-process purified images ({kind}): max |diff| = {diff:.2e}")
    rate = {(r["model"], r["input"]): r["images_per_s"] for r in figures["rows"]}
    figures["served_gated_clean_speedup"] = rate[("served gated", "clean")] / rate[("served always-search", "clean")]
    print(f"served gated vs always-search on clean inputs: {figures['served_gated_clean_speedup']:.1f}x faster")
    if args.json:
        print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
