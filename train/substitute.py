"""Train black-box substitute B or C (Table 5) by Papernot et al.'s Jacobian augmentation.

The attacker's data are the 150 hold-out test images, labelled by querying classifier A.
"""

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
    from tf_aegan.attacks.substitute import train_and_save

    result = train_and_save(args.dataset, args.data_dir, cli.default_workdir(args, shipped=True), args.arch,
                            args.rounds, args.lmbda, args.epochs_per_round, args.seed)
    history = result["history"]
    acc = result["blackbox_accuracy"]
    print(f"substitute {args.arch}: {history[-1]['examples']} training images, {history[-1]['queries']} oracle queries, "
          f"accuracy on the 9850 black-box test images {acc['accuracy']:.4f} [{acc['ci'][0]:.4f}, {acc['ci'][1]:.4f}]")
    return result


if __name__ == "__main__":
    main()
