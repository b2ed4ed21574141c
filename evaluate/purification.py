"""Classifier A on clean, reconstructed and searched test images, and the detector's ROC against FGSM.

Reports accuracy (95% Wilson interval) of A on clean test images, on G(F(x)) (AE-GAN+r), on the
searched reconstructions (AE-GAN+rs) and through the gated purifier; the same on FGSM gray-box
examples; and the detector's AUC (MSE and L1) against FGSM of several sizes (Figures 3, 7, 8).
"""

import json
import os
import time

import numpy as np

from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.purification", __doc__)
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--n", type=int, default=10000, help="test images")
    p.add_argument("--eps-list", default="0.1,0.2,0.3", help="FGSM sizes for the ROC curves")
    p.add_argument("--fpr", type=float, default=0.05, help="detector false-positive rate on clean validation images")
    p.add_argument("--out", default=defaults.RESULTS_OUT, help="folder for JSON and figures")
    args = p.parse_args(argv)
    from tf_aegan import plots
    from tf_aegan.attacks import fgsm
    from tf_aegan.evaluation import accuracy, attack_in_batches, fmt, load_defended
    from tf_aegan.purify import LatentSearchPurifier

    classifier, encoder, decoder, data = load_defended(cli.default_workdir(args, shipped=True), args.aegan,
                                                       args.dataset, args.data_dir)
    if args.n > data.split("test").size:
        raise ValueError(f"--n {args.n} is larger than the test set ({data.split('test').size})")
    x, y = data.arrays("test", args.n)
    eps_main = defaults.EPSILON[args.dataset]
    purifiers = {m: LatentSearchPurifier(encoder, decoder, mode=m) for m in ("reconstruct", "search", "gated")}
    threshold = purifiers["gated"].detector.fit_threshold(data.arrays("val", 2000)[0], args.fpr)
    os.makedirs(args.out, exist_ok=True)
    result = {"dataset": args.dataset, "n": len(y), "aegan": args.aegan, "threshold_mse": threshold,
              "fpr_target": args.fpr, "accuracy": {}, "seconds_per_image": {}, "auc": {}}
    eps_list = sorted({float(e) for e in args.eps_list.split(",")} | {eps_main})
    adv = {eps: attack_in_batches(lambda a, b, e=eps: fgsm(classifier, a, e, y=b), x, y) for eps in eps_list}
    for name, images in (("clean", x), (f"fgsm_{eps_main:g}", adv[eps_main])):
        result["accuracy"][f"{name}/none"] = accuracy(classifier, images, y)
        print(f"{name:>10} none        {fmt(result['accuracy'][f'{name}/none'])}", flush=True)
        for mode, pur in purifiers.items():
            t = time.time()
            purified, flags, _ = pur.purify_all(images, progress=False)
            result["seconds_per_image"][f"{name}/{mode}"] = (time.time() - t) / len(y)
            acc = accuracy(classifier, purified, y)
            result["accuracy"][f"{name}/{mode}"] = acc
            extra = f"  ({int(flags.sum())} flagged)" if mode == "gated" else ""
            print(f"{name:>10} {mode:<11} {fmt(acc)}{extra}", flush=True)
        if name != "clean":
            idx = np.arange(8)
            plots.image_rows([images[idx], purifiers["reconstruct"](images[idx]).numpy(),
                              purifiers["search"](images[idx]).numpy(), x[idx]],
                             os.path.join(args.out, f"purified_{args.dataset}.png"),
                             labels=[f"FGSM {eps_main:g}", "G(F(x))", "+search", "clean"],
                             title=f"{args.dataset}: FGSM gray-box examples and their purifications")
    for metric in ("mse", "l1"):
        det = LatentSearchPurifier(encoder, decoder, mode="reconstruct", detector_metric=metric).detector
        curves = {}
        for eps in eps_list:
            fpr, tpr, _, auc = det.roc(x, adv[eps])
            curves[f"eps={eps:g}"] = (fpr, tpr, auc)
            result["auc"][f"{metric}/fgsm_{eps:g}"] = auc
            print(f"detector {metric:>3} AUC vs FGSM eps={eps:g}: {auc:.4f}")
        plots.roc_curves(curves, os.path.join(args.out, f"roc_{metric}_{args.dataset}.png"),
                         title=f"{args.dataset}: detection by {metric.upper()} of G(F(x)) - x")
    path = os.path.join(args.out, f"purification_{args.dataset}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
