"""Table 3 (the ablation) on the dev set: AE, AE-GAN, AE-GAN+r and BiGAN, each alone and with the search
(+s), under gray-box FGSM, gray-box CW-L2 and the half-masked corruption:
`python -m evaluate.ablation --dataset fashion_mnist`. Networks: train.aegan --no-adversarial --no-noise
(ae_nonoise), --no-noise (aegan_nonoise), the default (aegan), and train.bigan (bigan), the same number
of epochs each."""

from tf_aegan import cli
from tf_aegan.studies.ablation import AblationConfig

D = AblationConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.ablation", __doc__)
    cli.add_data_args(p)
    p.add_argument("--workdir", default=None, help="classifier A and the network folders (default: weights/<dataset>)")
    p.add_argument("--networks", default=",".join(f"{a}={b}" for a, b in D.networks),
                   help="comma-separated LABEL=FOLDER (a subfolder of --workdir, or a path)")
    cli.add_common(p, D, "n", "labels")
    cli.add_fields(p, D, search_steps="search steps L (Table 3: 20)", cw_iterations="CW iterations",
                   cw_binary_steps="CW binary search steps")
    cli.add_common(p, D, "out")
    args = p.parse_args(argv)
    pairs = [item.split("=", 1) for item in args.networks.split(",") if item]
    if any(len(pair) != 2 or not all(pair) for pair in pairs):
        raise ValueError(f"--networks must be LABEL=FOLDER pairs, got {args.networks!r}")
    config = AblationConfig(networks=tuple(map(tuple, pairs)), workdir=cli.default_workdir(args, shipped=True),
                            dataset=args.dataset, data_dir=args.data_dir, n=args.n, search_steps=args.search_steps,
                            labels=args.labels, cw_iterations=args.cw_iterations,
                            cw_binary_steps=args.cw_binary_steps, out=args.out)
    from tf_aegan.studies.ablation import markdown, run_ablation

    result = run_ablation(config, progress=lambda s: print(s, flush=True))
    print(markdown(result))
    return cli.exit_if_missing(result, "network")


if __name__ == "__main__":
    main()
