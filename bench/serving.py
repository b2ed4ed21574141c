"""Served SavedModel against the in-process purifier: latency at batch 1, throughput at batch 64, and
latency under mixed traffic (p50 / p99 per request, images per second) for batch sizes 1, 8, 64 with
0%, 5%, 50% and 100% adversarial (FGSM, flagged) images, written as JSON and a plot (--out).

Exports the gated model and an always-search model (every image flagged) from the same networks,
loads both with `tf.saved_model.load`, and times them and the in-process gated purifier +
classifier on the same clean and FGSM test images. Also checks that served outputs equal the
in-process ones.
"""

import tempfile

import numpy as np

from bench.timing import interleaved_medians
from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.network_parser("python -m bench.serving", __doc__)
    p.add_argument("--batch", type=int, default=64, help="batch size for throughput")
    p.add_argument("--single", type=int, default=20, help="single-image requests timed for latency (median)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats of a batch (median)")
    p.add_argument("--requests", type=int, default=30, help="requests per (batch size, adversarial share) cell")
    p.add_argument("--out", default=defaults.RESULTS_OUT, help="folder for serving_<dataset>.json and the plot")
    return cli.run_benchmark(p, argv, measure)


def measure(args):
    """Export, load and time the served models against the in-process purifier; `args`: the options."""
    import tensorflow as tf

    from tf_aegan.attacks import fgsm
    from tf_aegan.evaluation import load_defended
    from tf_aegan.purify import fitted_gated_purifier
    from tf_aegan.serving import DefendedClassifier

    clf, enc, dec, data = load_defended(cli.default_workdir(args, shipped=True), args.aegan, args.dataset, args.data_dir)
    inproc = fitted_gated_purifier(enc, dec, data, args.fpr)
    threshold = inproc.threshold
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
    figures["mixed"] = mixed_traffic({"served gated": runners["served gated"], "in-process gated": run_inproc},
                                     inputs["clean"], inputs["fgsm"], args.requests)
    for r in figures["mixed"]:
        print(f"{r['model']:<18} batch {r['batch']:>2} adversarial {r['adversarial_share']:>4.0%}: p50 "
              f"{r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  {r['images_per_s']:7.1f} images/s", flush=True)
    stem = write_mixed(figures, args.out, args.dataset)
    print(f"wrote {stem}.json and {stem}.png")
    return figures


def mixed_traffic(runners, clean, adversarial, requests=30, batches=(1, 8, 64), shares=(0.0, 0.05, 0.5, 1.0), seed=0):
    """Per-request latency of each runner on batches where each image is adversarial with probability `share`.

    The runners are timed request by request, round-robin, on the same request stream."""
    import time

    rng = np.random.RandomState(seed)
    rows = []
    for b in batches:
        for share in shares:
            stream = []
            for _ in range(requests):
                idx = rng.randint(0, len(clean), b)
                adv = rng.rand(b) < share
                stream.append(np.where(adv[:, None, None, None], adversarial[idx], clean[idx]).astype(np.float32))
            times = {name: [] for name in runners}
            for fn in runners.values():
                fn(stream[0])  # warm-up (tracing)
            for batch in stream:
                for name, fn in runners.items():
                    t = time.perf_counter()
                    fn(batch)
                    times[name].append(time.perf_counter() - t)
            for name, ts in times.items():
                rows.append({"model": name, "batch": b, "adversarial_share": share, "requests": requests,
                             "p50_ms": 1000 * float(np.percentile(ts, 50)), "p99_ms": 1000 * float(np.percentile(ts, 99)),
                             "images_per_s": b * len(ts) / float(np.sum(ts))})
    return rows


def write_mixed(figures, out, dataset):
    import os

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tf_aegan.reports import write_report

    stem = os.path.join(out, f"serving_{dataset}")
    rows = figures["mixed"]
    lines = ["| model | batch | adversarial | p50 ms | p99 ms | images/s |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['batch']} | {r['adversarial_share']:.0%} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['images_per_s']:.1f} |" for r in rows]
    write_report(figures, stem, "\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for (model, b), style in zip(sorted({(r["model"], r["batch"]) for r in rows}), ["-o", "--o", ":o", "-s", "--s", ":s"]):
        sel = [r for r in rows if r["model"] == model and r["batch"] == b]
        shares = [100 * r["adversarial_share"] for r in sel]
        axes[0].plot(shares, [r["p50_ms"] for r in sel], style, ms=3, label=f"{model}, batch {b}")
        axes[1].plot(shares, [r["images_per_s"] for r in sel], style, ms=3, label=f"{model}, batch {b}")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("p50 latency per request (ms)", fontsize=8)
    axes[1].set_ylabel("images / s", fontsize=8)
    for ax in axes:
        ax.set_xlabel("adversarial (flagged) images in the traffic (%)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(stem + ".png", dpi=100)
    plt.close(fig)
    return stem


if __name__ == "__main__":
    main()
