"""Train BiGAN (Donahue et al. 2016) with Table 6's encoder and generator, for BiGAN+s:
`python -m train.bigan --dataset fashion_mnist`.

Re-running the same command resumes at the next epoch.
"""

from tf_aegan import cli, defaults

OPTIONS = [
    ("--latent-dim", dict(type=int, default=defaults.LATENT_DIM, help="latent size")),
    ("--epochs", dict(type=int, default=None, help="epochs (default: Table 4's, as AE-GAN)")),
    ("--batch-size", dict(type=int, default=None, help="batch size (default: Table 4's)")),
    ("--lr", dict(type=float, default=defaults.BIGAN_LR, help="Adam learning rate")),
    ("--beta-1", dict(type=float, default=defaults.BIGAN_BETA_1, help="Adam beta_1")),
    ("--beta-2", dict(type=float, default=defaults.BIGAN_BETA_2, help="Adam beta_2 (ALI used 1e-3)")),
    ("--discriminator-batchnorm", dict(action="store_true",
                                       help="BatchNorm in D's image path, as Table 6's discriminator")),
    ("--name", dict(default="bigan", help="subfolder of --workdir")),
]


@cli.exits_cleanly
def main(argv=None):
    return cli.run_training("python -m train.bigan", __doc__, OPTIONS, "train_bigan", argv)


if __name__ == "__main__":
    main()
