"""Compare trained classifier runs (Table 5 / Table 7): their settings, test accuracy and curves.

Reads each work directory's classifier_<arch>/config.json and metrics.json (written by
`python -m train.classifier`), prints a Markdown table with the 95% intervals, and plots the
validation accuracy per epoch of every run into one figure.
"""

import json
import os

from tf_aegan import cli, defaults
from tf_aegan.defaults import PRE_OPTION_READING


def _run(workdir, arch):
    folder = os.path.join(workdir, f"classifier_{arch}")
    paths = [os.path.join(folder, name) for name in ("config.json", "metrics.json")]
    for path in paths:
        if not os.path.isfile(path):
            raise ValueError(f"{path} is missing: {workdir} holds no finished classifier {arch} run "
                             f"(python -m train.classifier --arch {arch} --workdir {workdir})")
    with open(paths[0]) as f:
        config = {**PRE_OPTION_READING, **json.load(f)}
    with open(paths[1]) as f:
        metrics = json.load(f)
    return {"workdir": workdir, "init": config["init"], "dropout": config["dropout"], "seed": config.get("seed"),
            **{k: metrics.get(k) for k in ("test_accuracy", "ci95", "n", "best_val_epoch")},
            "val_accuracy": metrics.get("history", {}).get("val_accuracy", [])}


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.classifiers", __doc__)
    p.add_argument("workdirs", nargs="+", help="work directories, each holding classifier_<arch>/")
    p.add_argument("--arch", default="A", choices=("A", "B", "C"), help="architecture of Table 5")
    p.add_argument("--out", default=defaults.RESULTS_OUT, help="folder for classifier_<arch>_runs.{json,md,png}")
    args = p.parse_args(argv)
    from tf_aegan import plots

    runs = [_run(w, args.arch) for w in args.workdirs]
    lines = ["| init | dropout | seed | test accuracy [95% CI] | n | kept epoch (validation accuracy) | workdir |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        lo, hi = r["ci95"]
        epoch, kept = r["best_val_epoch"], ""
        if epoch is None and r["val_accuracy"]:  # runs from before the best epoch was kept kept their last
            epoch, kept = len(r["val_accuracy"]), "the last, "
        val = f"{kept}{r['val_accuracy'][epoch - 1]:.4f}" if epoch and len(r["val_accuracy"]) >= epoch else "-"
        lines.append(f"| {r['init']} | {r['dropout']} | {r['seed']} | {r['test_accuracy']:.4f} [{lo:.4f}, {hi:.4f}] "
                     f"| {r['n']} | {epoch} ({val}) | {r['workdir']} |")
    table = "\n".join(lines)
    print(table)
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, f"classifier_{args.arch}_runs")
    with open(stem + ".md", "w") as f:
        f.write(table + "\n")
    with open(stem + ".json", "w") as f:
        json.dump(runs, f, indent=2)
    curves = {f"{r['init']}/{r['dropout']} seed {r['seed']}": r["val_accuracy"] for r in runs}
    plots.line_curves(curves, stem + ".png", ylabel="validation accuracy",
                      title=f"classifier {args.arch}: validation accuracy per epoch")
    print(f"wrote {stem}.md, .json and .png")
    return runs


if __name__ == "__main__":
    main()
