"""Train Defense-GAN's WGAN-GP generator (Samangouei et al. 2018, its code's settings):
`python -m train.defensegan --dataset fashion_mnist --iterations 200000`.

Checkpoints every --iterations-per-epoch generator iterations; re-running the same command resumes.
"""

from tf_aegan import cli, defaults



def iterations(text):
    """--snapshots' comma-separated generator iterations."""
    return list(cli.numbers(text, "snapshots", int))


OPTIONS = [
    ("--iterations", dict(type=int, default=defaults.DGAN_ITERATIONS,
                          help="generator iterations (Defense-GAN's code: 200000), rounded up to whole epochs")),
    ("--latent-dim", dict(type=int, default=defaults.LATENT_DIM, help="latent size (Defense-GAN: 128)")),
    ("--batch-size", dict(type=int, default=defaults.DGAN_BATCH, help="images per critic step")),
    ("--critic-steps", dict(type=int, default=defaults.DGAN_CRITIC_STEPS, help="critic steps per generator step")),
    ("--gp-weight", dict(type=float, default=defaults.DGAN_GP_WEIGHT, help="gradient penalty weight lambda")),
    ("--lr", dict(type=float, default=defaults.DGAN_TRAIN_LR, help="Adam learning rate (betas 0.5, 0.9)")),
    ("--iterations-per-epoch", dict(type=int, default=defaults.DGAN_ITERATIONS_PER_EPOCH,
                                    help="generator iterations between checkpoints (one Keras epoch)")),
    ("--snapshots", dict(type=iterations, default=None, metavar="N,N,...",
                         help="generator iterations at which the generator is also kept as "
                              "snapshots/decoder_<iterations>.keras (comma-separated; multiples of --iterations-per-epoch)")),
    ("--precision", dict(default="float32", choices=("float32", "mixed_bfloat16"),
                         help="mixed_bfloat16: compute in bfloat16 (AVX512_BF16 CPUs); saved networks are float32")),
    ("--name", dict(default="defensegan", help="subfolder of --workdir")),
]


@cli.exits_cleanly
def main(argv=None):
    return cli.run_training("python -m train.defensegan", __doc__, OPTIONS, "train_defensegan", argv,
                            unsupported=("max_examples",))


if __name__ == "__main__":
    main()
