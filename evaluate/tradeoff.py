"""Table 2: accuracy against computation for AE-GAN+rs and Defense-GAN (R restarts, L steps) under FGSM:
`python -m evaluate.tradeoff --dataset fashion_mnist --n 500`.

Writes tradeoff_<dataset>.json/.md and a plot of accuracy against seconds per image to --out;
finished cells are kept, so re-running the same command resumes.
"""

from tf_aegan import cli
from tf_aegan.studies.tradeoff import TradeoffConfig

D = TradeoffConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.network_parser("python -m evaluate.tradeoff", __doc__)
    cli.add_common(p, D, "n", "labels")
    p.add_argument("--steps", default=",".join(map(str, D.steps)), help="search steps L, comma-separated")
    p.add_argument("--restarts", default=",".join(map(str, D.restarts)), help="Defense-GAN's restarts R, comma-separated")
    p.add_argument("--batch-size", type=int, default=D.batch_size, help="images per batch (the unit of resuming)")
    cli.add_common(p, D, "out")
    args = p.parse_args(argv)
    config = cli.to_config(D, args, workdir=cli.default_workdir(args, shipped=True),
                           steps=cli.numbers(args.steps, "steps", int),
                           restarts=cli.numbers(args.restarts, "restarts", int))
    config.check()
    from tf_aegan.studies.tradeoff import markdown, run_tradeoff

    return cli.run_and_report(run_tradeoff, markdown, config)


if __name__ == "__main__":
    main()
