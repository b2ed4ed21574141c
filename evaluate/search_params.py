"""Pick the latent search's step size and factor (Algorithm 2) on validation images.

For each (step size, factor) it purifies FGSM gray-box adversarial validation images with L-step
AE-GAN+rs and reports classifier A's accuracy on them and on purified clean images.
"""

import itertools
import json
import os
import time

import numpy as np

from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.search_params", __doc__)
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--n", type=int, default=1000, help="validation images")
    p.add_argument("--steps", type=int, default=15, help="search steps L")
    p.add_argument("--step-sizes", default="0.3,1,3,10,30", help="comma-separated step sizes")
    p.add_argument("--factors", default="0.5,1,2", help="comma-separated factors applied every --period steps")
    p.add_argument("--period", type=int, default=5, help="steps between step-size changes")
    p.add_argument("--out", default="results", help="folder for the JSON and Markdown result")
    args = p.parse_args(argv)
    from tf_aegan.attacks import fgsm
    from tf_aegan.evaluation import accuracy, attack_in_batches, fmt, load_defended
    from tf_aegan.purify import LatentSearchPurifier

    classifier, encoder, decoder, data = load_defended(cli.default_workdir(args, shipped=True), args.aegan,
                                                       args.dataset, args.data_dir)
    x, y = data.arrays("val", args.n)
    eps = defaults.EPSILON[args.dataset]
    x_adv = attack_in_batches(lambda a, b: fgsm(classifier, a, eps, y=b), x, y)
    rows = []
    base = {"clean": accuracy(classifier, x, y), "fgsm": accuracy(classifier, x_adv, y)}
    rec = LatentSearchPurifier(encoder, decoder, mode="reconstruct")
    base["clean_reconstruct"] = accuracy(classifier, rec.purify_all(x)[0], y)
    base["fgsm_reconstruct"] = accuracy(classifier, rec.purify_all(x_adv)[0], y)
    print(f"val n={len(y)}: A clean {fmt(base['clean'])}, FGSM eps={eps} {fmt(base['fgsm'])}, "
          f"G(F(x)) clean {fmt(base['clean_reconstruct'])}, G(F(x_adv)) {fmt(base['fgsm_reconstruct'])}")
    grid = list(itertools.product([float(s) for s in args.step_sizes.split(",")],
                                  [float(f) for f in args.factors.split(",")]))
    for step_size, factor in grid:
        pur = LatentSearchPurifier(encoder, decoder, mode="search", steps=args.steps, step_size=step_size,
                                   factor=factor, period=args.period)
        t = time.time()
        adv_images = pur.purify_all(x_adv)[0]
        clean_images = pur.purify_all(x)[0]
        row = {"step_size": step_size, "factor": factor, "period": args.period, "steps": args.steps,
               "fgsm": accuracy(classifier, adv_images, y), "clean": accuracy(classifier, clean_images, y),
               "mse_adv": float(np.mean((adv_images - x_adv) ** 2)), "seconds": round(time.time() - t, 1)}
        rows.append(row)
        print(f"step {step_size:>6g} factor {factor:>4g}: FGSM {fmt(row['fgsm'])}  clean {fmt(row['clean'])}  "
              f"mse(G(z), x_adv) {row['mse_adv']:.4f}", flush=True)
    best = max(rows, key=lambda r: (round(r["fgsm"]["accuracy"], 3), r["clean"]["accuracy"]))
    print(f"best: step size {best['step_size']}, factor {best['factor']} every {best['period']} steps")
    os.makedirs(args.out, exist_ok=True)
    result = {"dataset": args.dataset, "split": "val", "n": len(y), "eps": eps, "baseline": base, "rows": rows,
              "best": {k: best[k] for k in ("step_size", "factor", "period", "steps")}}
    path = os.path.join(args.out, f"search_params_{args.dataset}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
