"""Table 8: MagNet and AE-GAN+rs at latent sizes 20 and 128 under FGSM, PGD and CW:
`python -m evaluate.latent_dim --dataset fashion_mnist --n 500`.

Needs magnet/, aegan/ (latent 128) and magnet_z20/, aegan_z20/ in --workdir (train.magnet and
train.aegan with --latent-dim 20). Each attack's table is written under --out/latent_<D>/ as it runs
and resumes; the combined table goes to --out/latent_dim_<dataset>.md.
"""

from tf_aegan import cli
from tf_aegan.studies.latent_dim import LatentDimConfig

D = LatentDimConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.latent_dim", __doc__)
    cli.add_data_args(p)
    p.add_argument("--workdir", default=None, help="trained networks (default: weights/<dataset>)")
    p.add_argument("--dims", default=",".join(map(str, D.dims)), help="latent sizes, comma-separated")
    p.add_argument("--attacks", default=",".join(D.attacks), help="attacks, comma-separated (fgsm, pgd, cw)")
    cli.add_common(p, D, "n", "labels")
    cli.add_fields(p, D, cw_iterations="CW iterations (reduced from CleverHans' 1000 for time)",
                   cw_binary_steps="CW binary search steps")
    cli.add_common(p, D, "out")
    args = p.parse_args(argv)
    dims = cli.numbers(args.dims, "dims", int)
    attacks = tuple(a.strip() for a in args.attacks.split(",") if a.strip())
    bad = [a for a in attacks if a not in ("fgsm", "pgd", "cw")]
    if bad or not attacks or not dims:
        raise ValueError(f"--attacks takes fgsm, pgd, cw and --dims at least one size; got {args.attacks!r}, {args.dims!r}")
    config = cli.to_config(D, args, workdir=cli.default_workdir(args, shipped=True), dims=dims, attacks=attacks)
    from tf_aegan.studies.latent_dim import markdown, run_latent_dim

    return cli.run_and_report(run_latent_dim, markdown, config)


if __name__ == "__main__":
    main()
