"""Train MagNet's reformer (Meng & Chen 2017, as the paper sets it up: Table 6's auto-encoder, Table 4):
`python -m train.magnet --dataset fashion_mnist [--latent-dim 20]`.

Re-running the same command resumes at the next epoch.
"""

from tf_aegan import cli, defaults

OPTIONS = [
    ("--latent-dim", dict(type=int, default=defaults.LATENT_DIM, help="latent size (128; 20 in Table 8)")),
    ("--noise", dict(type=float, default=defaults.MAGNET_NOISE, help="std of the Gaussian noise on training inputs")),
    ("--epochs", dict(type=int, default=None, help="epochs (Table 4: 60 for MNIST/F-MNIST, 100 for CelebA)")),
    ("--batch-size", dict(type=int, default=None, help="batch size (Table 4)")),
    ("--lr", dict(type=float, default=defaults.AEGAN_LR, help="Adam learning rate (Table 4)")),
    ("--name", dict(default=None, help="subfolder of --workdir (default: magnet, magnet_z<D> for another latent size)")),
]


@cli.exits_cleanly
def main(argv=None):
    return cli.run_training("python -m train.magnet", __doc__, OPTIONS, "train_magnet", argv)


if __name__ == "__main__":
    main()
