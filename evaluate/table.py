"""Table 1's block for one attack: accuracy of classifier A under each threat model and defense.

Rows are threat models (white, gray for FGSM/PGD/CW; black-A/B, black-A/C for the black-box
attack), columns the defenses. Each accuracy comes with its 95% Wilson interval and n. Results are
written as JSON and Markdown into --out after every method, so an interrupted run keeps them.
"""

import json
import os
import sys
import time

import numpy as np

from tf_aegan import cli, defaults

ATTACKS = ("fgsm", "pgd", "cw", "blackbox")


def markdown(result):
    methods = list(result["clean"])
    lines = [f"### {result['attack'].upper()} on {result['dataset']} (n={result['n']})", "",
             "| threat | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for threat in dict.fromkeys(r["threat"] for r in result["rows"]):
        cells = []
        for m in methods:
            row = next((r for r in result["rows"] if r["threat"] == threat and r["method"] == m), None)
            cells.append("-" if row is None else f"{row['accuracy']:.3f} [{row['ci'][0]:.3f}, {row['ci'][1]:.3f}]")
        lines.append(f"| {threat} | " + " | ".join(cells) + " |")
    lines.append("| clean | " + " | ".join(f"{result['clean'][m]['accuracy']:.3f}" for m in methods) + " |")
    lines.append("| s/image | " + " | ".join(f"{result['seconds_per_image'][m]:.2g}" for m in methods) + " |")
    for m, why in result.get("missing", {}).items():
        lines.append(f"\n- `{m}` not run: {why}")
    if any(r["threat"] == "white-zerograd" for r in result["rows"]):
        lines.append("\n`white-zerograd` is the white-box attack as the paper's code ran it: no gradient reaches "
                     "the input through the purifier, so the attack returns (nearly) the clean image. It measures "
                     "clean accuracy after purification, not robustness.")
    lines.append(f"\nAttack labels: {result['settings'].get('labels', 'true')}.")
    lines.append(f"\nSettings: {json.dumps(result['settings'])}")
    return "\n".join(lines) + "\n"


def write(result, out):
    os.makedirs(out, exist_ok=True)
    stem = os.path.join(out, f"table_{result['attack']}_{result['dataset']}")
    with open(stem + ".json", "w") as f:
        json.dump(result, f, indent=2)
    with open(stem + ".md", "w") as f:
        f.write(markdown(result))
    return stem


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.table", __doc__)
    p.add_argument("--attack", required=True, choices=ATTACKS, help="attack of Table 1")
    cli.add_data_args(p)
    p.add_argument("--methods", default="none,ours", help="comma-separated: none, ours, advtr, magnet, bigan_s, defensegan, ae_s")
    p.add_argument("--workdir", default=None, help="work directory with the trained networks (default: weights/<dataset>, else workdirs/<dataset>)")
    p.add_argument("--n", type=int, default=1000, help="test images for white/gray rows (black-box uses the first n of the 9850)")
    p.add_argument("--cw-iterations", type=int, default=1000, help="CW iterations (CleverHans' default 1000; lower on a CPU)")
    p.add_argument("--cw-binary-steps", type=int, default=5, help="CW binary search steps")
    p.add_argument("--pgd-steps", type=int, default=40, help="PGD iterations")
    p.add_argument("--pgd-step-size", type=float, default=0.01, help="PGD step size")
    p.add_argument("--steps", type=int, default=15, help="search steps L of ours / AE+s (Table 1: 15)")
    p.add_argument("--labels", default="predicted", choices=("predicted", "true"),
                   help="attack labels: A's predictions (CleverHans' y=None, as the paper's code) or the true labels")
    p.add_argument("--no-zerograd", action="store_true",
                   help="skip the white-box row scored as the paper's code did (zero input gradient)")
    p.add_argument("--out", default=defaults.RESULTS_OUT, help="folder for table_<attack>_<dataset>.json and .md")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    args = p.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    import keras

    from tf_aegan import store
    from tf_aegan.attacks import carlini_wagner_l2, fgsm, pgd
    from tf_aegan.attacks.threat import black_box, gray_box, white_box, white_box_zero_gradient
    from tf_aegan.data import load_dataset
    from tf_aegan.evaluation import accuracy, fmt
    from tf_aegan.methods import METHODS, MissingNetworks, load_method
    from tf_aegan.purify import Purifier

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    keras.utils.set_random_seed(args.seed)
    workdir = cli.default_workdir(args, shipped=True)
    data = load_dataset(args.dataset, args.data_dir)
    black = args.attack == "blackbox"
    split = "blackbox" if black else "test"
    if args.n < 1 or args.n > data.split(split).size:
        raise ValueError(f"--n {args.n} must be between 1 and the size of the {split} split ({data.split(split).size})")
    x, y = data.arrays(split, args.n)
    a = store.load_classifier(workdir, "A", args.dataset)
    eps = defaults.EPSILON[args.dataset]
    attacks = {
        "fgsm": lambda f, xb, yb: fgsm(f, xb, eps, y=yb),
        "pgd": lambda f, xb, yb: pgd(f, xb, eps, args.pgd_step_size, args.pgd_steps, y=yb, seed=args.seed),
        "cw": lambda f, xb, yb: carlini_wagner_l2(f, xb, max_iterations=args.cw_iterations,
                                                  binary_search_steps=args.cw_binary_steps),
        "blackbox": lambda f, xb, yb: fgsm(f, xb, eps, y=yb),
    }
    attack = attacks[args.attack]
    settings = {"eps": eps, "n": len(y), "split": split, "steps_ours": args.steps, "seed": args.seed,
                "labels": "substitute's predictions" if black else args.labels}
    y_attack = None if args.labels == "predicted" else y
    if args.attack == "cw":
        settings.update(cw_iterations=args.cw_iterations, cw_binary_steps=args.cw_binary_steps)
    if args.attack == "pgd":
        settings.update(pgd_steps=args.pgd_steps, pgd_step_size=args.pgd_step_size)
    result = {"attack": args.attack, "dataset": args.dataset, "n": len(y), "clean": {}, "seconds_per_image": {},
              "rows": [], "missing": {}, "settings": settings}

    def batched(fn, images, labels, bs=100):
        bar = keras.utils.Progbar(len(images), unit_name="image")
        out = []
        for i in range(0, len(images), bs):
            out.append(np.asarray(fn(images[i:i + bs], None if labels is None else labels[i:i + bs])))
            bar.add(len(out[-1]))
        return np.concatenate(out)

    substitutes = {}
    if black:
        for arch in ("B", "C"):
            substitutes[arch] = store.load_classifier(workdir, f"substitute_{arch}", args.dataset) \
                if os.path.isdir(store.classifier_dir(workdir, f"substitute_{arch}")) else None
            if substitutes[arch] is None:
                raise ValueError(f"no substitute {arch} in {workdir}. Train it with: python -m train.substitute "
                                 f"--dataset {args.dataset} --arch {arch} --workdir {workdir}")
        adv_black = {arch: batched(lambda xb, _: black_box(attack, sub, xb), x, None) for arch, sub in substitutes.items()}
    gray_adv = None
    for name in methods:
        try:
            method = load_method(name, workdir, args.dataset, classifier=a, steps=args.steps)
        except MissingNetworks as e:
            result["missing"][name] = str(e)
            print(f"{name}: skipped: {e}", flush=True)
            write(result, args.out)
            continue
        print(f"== {name}", flush=True)
        t = time.time()
        clean_images = method.purifier.purify_all(x, progress=True)[0]
        result["seconds_per_image"][name] = (time.time() - t) / len(y)
        result["clean"][name] = accuracy(method.classifier, clean_images, y)
        if black:
            threats = {f"black-A/{arch}": adv for arch, adv in adv_black.items()}
        else:
            threats = {}
            identity = type(method.purifier).white_box_part is Purifier.white_box_part
            if method.has_gray or (identity and method.classifier is a):
                if gray_adv is None:
                    print(f"  gray-box {args.attack} (against A alone, shared by all methods)", flush=True)
                    gray_adv = batched(lambda xb, yb: gray_box(attack, a, xb, yb), x, y_attack)
            if identity and method.classifier is a:
                threats["white"] = gray_adv  # no differentiable part: the white-box attack is the gray-box one
            else:
                print(f"  white-box {args.attack}", flush=True)
                threats["white"] = batched(lambda xb, yb: white_box(attack, method.classifier, method.purifier, xb, yb),
                                           x, y_attack)
            if not identity and not args.no_zerograd and args.attack != "cw":
                print(f"  white-box {args.attack} as the paper's code scored it (zero input gradient)", flush=True)
                threats["white-zerograd"] = batched(
                    lambda xb, yb: white_box_zero_gradient(attack, method.classifier, method.purifier, xb, yb),
                    x, y_attack)
            if method.has_gray:
                threats["gray"] = gray_adv
        for threat, adv in threats.items():
            purified = method.purifier.purify_all(adv, progress=True)[0]
            acc = accuracy(method.classifier, purified, y)
            result["rows"].append({"threat": threat, "method": name, **acc})
            print(f"  {threat:>10} {name:<10} {fmt(acc)}", flush=True)
        write(result, args.out)
    print()
    print(markdown(result))
    print(f"wrote {write(result, args.out)}.json and .md")
    if result["missing"]:
        print(f"error: {len(result['missing'])} requested method(s) did not run: {', '.join(result['missing'])} "
              "(see above); the table holds the others", file=sys.stderr)
        raise SystemExit(3)
    return result


if __name__ == "__main__":
    main()
