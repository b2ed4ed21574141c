"""Pick the latent search's step size and factor (Algorithm 2) on validation images.

For each (step size, factor), L-step AE-GAN+rs purifies clean validation images and FGSM examples
made white-box (against A(G(F(x))), as the paper attacks its method) and gray-box (against A);
classifier A's accuracies are reported. The pick: the highest mean of the white and gray
accuracies among settings whose clean accuracy is within --clean-tolerance of G(F(x))'s.
"""

import itertools
import json
import os
import time


from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.search_params", __doc__)
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--n", type=int, default=1000, help="validation images")
    p.add_argument("--steps", type=int, default=15, help="search steps L")
    p.add_argument("--step-sizes", default="1,10,100,1000", help="comma-separated step sizes")
    p.add_argument("--clean-tolerance", type=float, default=0.05,
                   help="largest allowed drop of clean accuracy below that of G(F(x))")
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
    rec = LatentSearchPurifier(encoder, decoder, mode="reconstruct")
    adv = {"gray": attack_in_batches(lambda a, b: fgsm(classifier, a, eps, y=b), x, y),
           "white": attack_in_batches(lambda a, b: fgsm(lambda t: classifier(rec.white_box_part(t)), a, eps, y=b), x, y)}
    base = {"clean": accuracy(classifier, x, y), "clean_reconstruct": accuracy(classifier, rec.purify_all(x)[0], y)}
    for threat, images in adv.items():
        base[f"{threat}_none"] = accuracy(classifier, images, y)
        base[f"{threat}_reconstruct"] = accuracy(classifier, rec.purify_all(images)[0], y)
    print(f"val n={len(y)}, FGSM eps={eps}: " + ", ".join(f"{k} {fmt(v)}" for k, v in base.items()), flush=True)
    rows = []
    grid = list(itertools.product([float(s) for s in args.step_sizes.split(",")],
                                  [float(f) for f in args.factors.split(",")]))
    for step_size, factor in grid:
        pur = LatentSearchPurifier(encoder, decoder, mode="search", steps=args.steps, step_size=step_size,
                                   factor=factor, period=args.period)
        t = time.time()
        row = {"step_size": step_size, "factor": factor, "period": args.period, "steps": args.steps,
               "clean": accuracy(classifier, pur.purify_all(x)[0], y)}
        for threat, images in adv.items():
            row[threat] = accuracy(classifier, pur.purify_all(images)[0], y)
        row["seconds"] = round(time.time() - t, 1)
        rows.append(row)
        print(f"step {step_size:>6g} factor {factor:>4g}: white {fmt(row['white'])}  gray {fmt(row['gray'])}  "
              f"clean {fmt(row['clean'])}", flush=True)
    floor = base["clean_reconstruct"]["accuracy"] - args.clean_tolerance
    allowed = [r for r in rows if r["clean"]["accuracy"] >= floor] or rows
    best = max(allowed, key=lambda r: (r["white"]["accuracy"] + r["gray"]["accuracy"], r["clean"]["accuracy"]))
    print(f"best (clean accuracy >= {floor:.3f}): step size {best['step_size']}, factor {best['factor']} "
          f"every {best['period']} steps")
    os.makedirs(args.out, exist_ok=True)
    result = {"dataset": args.dataset, "split": "val", "n": len(y), "eps": eps, "baseline": base, "rows": rows,
              "rule": f"max white+gray among clean >= clean_reconstruct - {args.clean_tolerance}",
              "best": {k: best[k] for k in ("step_size", "factor", "period", "steps")}}
    path = os.path.join(args.out, f"search_params_{args.dataset}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
