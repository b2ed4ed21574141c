"""Train AE-GAN+r (Algorithm 1, Eq. 5) or its ablations: `python -m train.aegan --dataset fashion_mnist`.

Re-running the same command on the same --workdir resumes at the next epoch.
"""

import json

from tf_aegan import cli, defaults


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m train.aegan", __doc__)
    cli.add_data_args(p)
    p.add_argument("--latent-dim", type=int, default=defaults.LATENT_DIM, help="latent size (Table 6; 20 in Table 8)")
    p.add_argument("--epochs", type=int, default=None, help="epochs (Table 4: 60 for MNIST/F-MNIST, 100 for CelebA)")
    p.add_argument("--batch-size", type=int, default=None, help="batch size (Table 4: 100, 64 for CelebA)")
    p.add_argument("--lr", type=float, default=defaults.AEGAN_LR, help="Adam learning rate (Table 4)")
    p.add_argument("--beta-1", type=float, default=defaults.AEGAN_BETA_1, help="Adam beta_1")
    p.add_argument("--noise-eta", type=float, default=defaults.NOISE_ETA,
                   help="bound eta of the noise scale, sigma ~ U(0, eta) (Algorithm 1)")
    p.add_argument("--noise-schedule", default="uniform", choices=("uniform", "fixed"),
                   help="'uniform': sigma ~ U(0, eta) per batch; 'fixed': sigma = eta (Algorithm 1 read literally)")
    p.add_argument("--recon-reduction", default="sum", choices=("sum", "mean"),
                   help="reconstruction loss per image: squared error summed over pixels (Eq. 5) or its mean")
    p.add_argument("--noise", default="gaussian", choices=("gaussian", "adversarial"),
                   help="'adversarial' (beyond the paper): FGSM of size sigma against classifier A instead of Gaussian noise")
    p.add_argument("--noise-classifier", default=None,
                   help="the .keras classifier that --noise adversarial attacks (default: the shipped classifier A)")
    p.add_argument("--precision", default="float32", choices=("float32", "mixed_bfloat16"),
                   help="mixed_bfloat16: compute in bfloat16 (faster on CPUs with AVX512_BF16); saved networks are float32")
    p.add_argument("--init-from", default=None,
                   help="folder of .keras networks to start from (fine-tuning), e.g. weights/fashion_mnist/aegan")
    p.add_argument("--no-noise", action="store_true", help="AE-GAN without noise regularization (+r)")
    p.add_argument("--no-adversarial", action="store_true", help="a plain auto-encoder (AE of Table 3)")
    p.add_argument("--prior", default="uniform", choices=("uniform", "normal"),
                   help="p(z) for the GAN term: U(-1, 1) matches the encoder's tanh range")
    p.add_argument("--generator-loss", default="non_saturating", choices=("non_saturating", "minimax"),
                   help="G's GAN loss: -log D(G(z)), or Eq. 5's log(1 - D(G(z)))")
    p.add_argument("--bn-recalibration-batches", type=int, default=400,
                   help="batches of encoder codes that refresh the decoder's BatchNorm statistics after each epoch")
    p.add_argument("--name", default=None, help="subfolder of --workdir (default: aegan, aegan_nonoise, ae, ..._z20)")
    cli.add_train_args(p)
    args = p.parse_args(argv)
    if args.latent_dim < 1:
        raise ValueError(f"--latent-dim must be positive, got {args.latent_dim}")
    from tf_aegan.train.jobs import train_aegan

    result = train_aegan(args.dataset, cli.default_workdir(args), args.data_dir, args.latent_dim, args.epochs,
                         args.batch_size, args.lr, args.beta_1, 0.0 if args.no_noise else args.noise_eta,
                         not args.no_adversarial, args.prior, args.generator_loss, args.name, args.strategy,
                         args.logical_cpus, args.seed, args.max_examples, args.verbose,
                         args.bn_recalibration_batches, args.noise_schedule, args.recon_reduction,
                         args.init_from, args.noise, args.noise_classifier, args.precision)
    print(f"{result['name']} on {args.dataset}: {result['epochs']} epochs, final {result['final']}")
    print(json.dumps({k: v for k, v in result.items() if k != "history"}))
    return result


if __name__ == "__main__":
    main()
