"""Train AE-GAN+r (Algorithm 1, Eq. 5) or its ablations: `python -m train.aegan --dataset fashion_mnist`.

Re-running the same command on the same --workdir resumes at the next epoch.
"""

import argparse
import json

from tf_aegan import cli, defaults


# The options beyond the data and training ones: (flag, keyword arguments of add_argument).
OPTIONS = [
    ("--latent-dim", dict(type=int, default=defaults.LATENT_DIM, help="latent size (Table 6; 20 in Table 8)")),
    ("--epochs", dict(type=int, default=None, help="epochs (Table 4: 60 for MNIST/F-MNIST, 100 for CelebA)")),
    ("--batch-size", dict(type=int, default=None, help="batch size (Table 4: 100, 64 for CelebA)")),
    ("--lr", dict(type=float, default=defaults.AEGAN_LR, help="Adam learning rate (Table 4)")),
    ("--beta-1", dict(type=float, default=defaults.AEGAN_BETA_1, help="Adam beta_1")),
    ("--noise-eta", dict(type=float, default=defaults.NOISE_ETA,
                         help="bound eta of the noise scale, sigma ~ U(0, eta) (Algorithm 1)")),
    ("--noise-schedule", dict(default="uniform", choices=("uniform", "fixed"),
                              help="'uniform': sigma ~ U(0, eta) per batch; 'fixed': sigma = eta (Algorithm 1 read literally)")),
    ("--recon-reduction", dict(default="sum", choices=("sum", "mean"),
                               help="reconstruction loss per image: squared error summed over pixels (Eq. 5) or its mean")),
    ("--noise", dict(default="gaussian", choices=("gaussian", "adversarial"),
                     help="'adversarial' (beyond the paper): FGSM of size sigma against classifier A instead of Gaussian noise")),
    ("--noise-classifier", dict(default=None, help="the .keras classifier --noise adversarial attacks (default: shipped A)")),
    ("--precision", dict(default="float32", choices=("float32", "mixed_bfloat16"),
                         help="mixed_bfloat16: compute in bfloat16 (AVX512_BF16 CPUs); saved networks are float32")),
    ("--init-from", dict(default=None, help="folder of .keras networks to start from (fine-tuning)")),
    ("--no-noise", dict(action="store_true", help="AE-GAN without noise regularization (+r)")),
    ("--no-adversarial", dict(action="store_true", help="a plain auto-encoder (AE of Table 3)")),
    ("--prior", dict(default="uniform", choices=("uniform", "normal"),
                     help="p(z) for the GAN term: U(-1, 1) matches the encoder's tanh range")),
    ("--generator-loss", dict(default="non_saturating", choices=("non_saturating", "minimax"),
                              help="G's GAN loss: -log D(G(z)), or Eq. 5's log(1 - D(G(z)))")),
    ("--bn-recalibration-batches", dict(type=int, default=400,
                                        help="batches of encoder codes that refresh the decoder's BatchNorm statistics each epoch")),
    ("--name", dict(default=None, help="subfolder of --workdir (default: aegan, aegan_nonoise, ae, ..._z20)")),
]


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m train.aegan", __doc__)
    cli.add_data_args(p)
    for flag, kwargs in OPTIONS:
        p.add_argument(flag, **kwargs)
    cli.add_train_args(p)
    args = vars(p.parse_args(argv))
    if args["latent_dim"] < 1:
        raise ValueError(f"--latent-dim must be positive, got {args['latent_dim']}")
    from tf_aegan.train.jobs import train_aegan

    workdir = cli.default_workdir(argparse.Namespace(**args))
    no_noise, no_adversarial, dataset = args.pop("no_noise"), args.pop("no_adversarial"), args.pop("dataset")
    args.update(noise_eta=0.0 if no_noise else args["noise_eta"], adversarial=not no_adversarial, workdir=workdir)
    result = train_aegan(dataset, **args)
    print(f"{result['name']} on {dataset}: {result['epochs']} epochs, final {result['final']}")
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))
    return result


if __name__ == "__main__":
    main()
