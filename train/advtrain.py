"""PGD adversarial training of classifier A (Madry et al. 2018; Table 1's Adv. Tr.):
`python -m train.advtrain --dataset fashion_mnist --epochs 10`.

Writes classifier_A_advtr/classifier.keras in --workdir; re-running the same command resumes.
"""

from tf_aegan import cli, defaults

OPTIONS = [
    ("--arch", dict(default="A", choices=("A", "B", "C"), help="classifier architecture (Table 5)")),
    ("--epochs", dict(type=int, default=defaults.ADVTR_EPOCHS, help="epochs")),
    ("--batch-size", dict(type=int, default=defaults.CLASSIFIER_BATCH, help="batch size (Table 7)")),
    ("--lr", dict(type=float, default=defaults.CLASSIFIER_LR, help="Adam learning rate (Table 7)")),
    ("--eps", dict(type=float, default=None, help="L-inf budget (default: 0.3 MNIST/F-MNIST, 0.1 CelebA)")),
    ("--steps", dict(type=int, default=defaults.ADVTR_STEPS, help="PGD steps per training batch")),
    ("--step-size", dict(type=float, default=defaults.ADVTR_STEP_SIZE, help="PGD step size")),
    ("--adv-fraction", dict(type=float, default=defaults.ADVTR_FRACTION,
                            help="fraction of each batch replaced by its PGD examples (Madry et al.: 1.0)")),
]


@cli.exits_cleanly
def main(argv=None):
    return cli.run_training("python -m train.advtrain", __doc__, OPTIONS, "train_advtrain", argv)


if __name__ == "__main__":
    main()
