"""Train black-box substitute B or C (Table 5) by Papernot et al.'s Jacobian augmentation.

The attacker's data are the 150 hold-out test images, labelled by querying classifier A.
"""

import json
import os
import time

from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m train.substitute", __doc__)
    cli.add_data_args(p)
    p.add_argument("--arch", default="B", choices=("B", "C"), help="substitute architecture (Table 5)")
    p.add_argument("--workdir", default=None, help="work directory holding classifier_A/ (default: weights/<dataset>, else workdirs/<dataset>)")
    p.add_argument("--rounds", type=int, default=defaults.SUBSTITUTE_ROUNDS, help="substitute epochs rho (augmentation rounds)")
    p.add_argument("--lmbda", type=float, default=defaults.SUBSTITUTE_LAMBDA, help="Jacobian augmentation step lambda")
    p.add_argument("--epochs-per-round", type=int, default=defaults.SUBSTITUTE_EPOCHS_PER_ROUND, help="training epochs per round")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    args = p.parse_args(argv)
    from tf_aegan import store
    from tf_aegan.attacks import substitute as sub
    from tf_aegan.data import load_dataset
    from tf_aegan.evaluation import accuracy

    workdir = cli.default_workdir(args, shipped=True)
    oracle = store.load_classifier(workdir, "A", args.dataset)
    data = load_dataset(args.dataset, args.data_dir)
    x_hold, _ = data.arrays("holdout")
    t = time.time()
    model, history = sub.train_substitute(oracle, x_hold, args.arch, args.rounds, args.lmbda, args.epochs_per_round,
                                          seed=args.seed)
    folder = store.classifier_dir(workdir, f"substitute_{args.arch}")
    os.makedirs(folder, exist_ok=True)
    model.save(os.path.join(folder, store.CLASSIFIER_FILE))
    x, y = data.arrays("blackbox")
    result = {"arch": args.arch, "dataset": args.dataset, "rounds": args.rounds, "lmbda": args.lmbda,
              "epochs_per_round": args.epochs_per_round, "seconds": round(time.time() - t, 1), "history": history,
              "blackbox_accuracy": accuracy(model, x, y)}
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump(result, f, indent=2)
    acc = result["blackbox_accuracy"]
    print(f"substitute {args.arch}: {history[-1]['examples']} training images, {history[-1]['queries']} oracle queries, "
          f"accuracy on the 9850 black-box test images {acc['accuracy']:.4f} [{acc['ci'][0]:.4f}, {acc['ci'][1]:.4f}]")
    return result


if __name__ == "__main__":
    main()
