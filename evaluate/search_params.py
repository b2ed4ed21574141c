"""Pick the latent search's step size and factor (Algorithm 2) on validation images, by the rule in
`tf_aegan.studies.search_sweep`: `python -m evaluate.search_params --dataset fashion_mnist`."""

import dataclasses

from tf_aegan import cli
from tf_aegan.studies.search_sweep import SearchSweepConfig

D = SearchSweepConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.network_parser("python -m evaluate.search_params", __doc__)
    cli.add_common(p, D, "n", "labels", "out")
    p.add_argument("--steps", type=int, default=D.steps, help="search steps L")
    p.add_argument("--step-sizes", default=",".join(f"{s:g}" for s in D.step_sizes), help="comma-separated step sizes")
    p.add_argument("--factors", default=",".join(f"{s:g}" for s in D.factors),
                   help="comma-separated factors applied every --period steps")
    p.add_argument("--period", type=int, default=D.period, help="steps between step-size changes")
    p.add_argument("--clean-tolerance", type=float, default=D.clean_tolerance,
                   help="largest allowed drop of clean accuracy below that of G(F(x))")
    p.add_argument("--save-pick", action="store_true",
                   help="write the pick to the AE-GAN's folder (search.json): every purifier built on it then searches "
                        "with it")
    args = p.parse_args(argv)
    if args.n < 1 or args.steps < 1:
        raise ValueError(f"--n and --steps must be positive, got {args.n} and {args.steps}")
    config = dataclasses.replace(D, workdir=args.workdir, aegan=args.aegan, dataset=args.dataset,
                                 data_dir=args.data_dir, n=args.n, steps=args.steps,
                                 step_sizes=cli.numbers(args.step_sizes, "step-sizes"),
                                 factors=cli.numbers(args.factors, "factors"),
                                 period=args.period, clean_tolerance=args.clean_tolerance, labels=args.labels,
                                 out=args.out, save_pick=args.save_pick)
    from tf_aegan.studies.search_sweep import markdown, run_search_sweep

    result = run_search_sweep(config, progress=lambda s: print(s, flush=True))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
