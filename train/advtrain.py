"""PGD adversarial training of classifier A (Madry et al. 2018; Table 1's Adv. Tr.):
`python -m train.advtrain --dataset fashion_mnist --epochs 10`.

Writes classifier_A_advtr/classifier.keras (the best validation-robust epoch) and classifier_last.keras in
--workdir; re-running the same command resumes. `--steps 1 --step-size 1.25*eps` is FGSM with a random start.
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
    ("--loss", dict(default="pgd", choices=("pgd", "trades"), help="PGD-AT (Madry et al.) or TRADES (Zhang et al.)")),
    ("--trades-beta", dict(type=float, default=defaults.TRADES_BETA, help="TRADES' beta")),
    ("--lr-schedule", dict(default=defaults.ADVTR_LR_SCHEDULE, choices=("constant", "piecewise", "cosine"),
                           help="piecewise: 10x drops at 50%% and 75%% of the epochs; cosine: to lr/100")),
    ("--warmup", dict(type=int, default=defaults.ADVTR_WARMUP,
                      help="epochs over which the training eps ramps up linearly (0: none)")),
    ("--patience", dict(type=int, default=defaults.ADVTR_PATIENCE,
                        help="stop after this many epochs without a better validation PGD accuracy (default: never)")),
    ("--val-steps", dict(type=int, default=defaults.ADVTR_VAL_STEPS,
                         help="PGD steps of the validation attack at the full eps (early stopping watches it)")),
    ("--init-from", dict(default=None, help="a classifier .keras file a new run starts from (e.g. the eps 0.1 network)")),
    ("--purifier", dict(default=None, metavar="AEGAN_FOLDER",
                        help="train the classifier behind this AE-GAN's G(F(x)), the attack going through it (the "
                             "defended-classifier study's design 2), e.g. weights/fashion_mnist/aegan")),
    ("--joint", dict(action="store_true",
                     help="fine-tune the --purifier's encoder and decoder with the classifier, Eq. 5's terms kept (the "
                          "defended-classifier study's design 3); saves the best epoch's encoder, decoder and classifier")),
    ("--dual-view", dict(action="store_true",
                         help="with --purifier: the classifier sees the image and G(F(x)) as two channels, the frozen "
                              "purifier inside it (the defended-classifier study's design 4); --init-from a one-channel "
                              "classifier starts it with zero weights on G(F(x))")),
    ("--cls-weight", dict(type=float, default=defaults.JOINT_CLS_WEIGHT,
                          help="with --joint: the classification loss's weight in the encoder's and decoder's loss")),
    ("--purifier-lr", dict(type=float, default=defaults.AEGAN_LR,
                           help="with --joint: Adam learning rate of the encoder, decoder and discriminator (Table 4)")),
    ("--precision", dict(default="float32", choices=("float32", "mixed_bfloat16"),
                         help="mixed_bfloat16: compute in bfloat16 (AVX512_BF16 CPUs); saved networks are float32")),
    ("--name", dict(default=None, help="the run's folder in --workdir is classifier_<name> (default: <arch>_advtr)")),
]


@cli.exits_cleanly
def main(argv=None):
    return cli.run_training("python -m train.advtrain", __doc__, OPTIONS, "train_advtrain", argv)


if __name__ == "__main__":
    main()
