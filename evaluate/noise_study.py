"""Score the noise study's AE-GAN+r runs on validation and pick one by the rule fixed beforehand
(`tf_aegan.studies.noise`): `python -m evaluate.noise_study --root study/fashion_mnist`."""

import dataclasses

from tf_aegan import cli
from tf_aegan.studies.noise import NoiseStudyConfig

D = NoiseStudyConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.noise_study", __doc__)
    cli.add_data_args(p)
    p.add_argument("--root", default=D.root, help="folder with one subfolder per run")
    p.add_argument("--runs", nargs="+", default=None, metavar="FOLDER",
                   help="score these run folders instead of every run under --root")
    p.add_argument("--baseline", default="", help="networks scored beside the runs, e.g. workdirs/aegan_eta0.3_11ep "
                                                  "(the 11-epoch eta 0.3 network, which configs/experiments/fashion_mnist/noise_study.json "
                                                  "restores from git)")
    p.add_argument("--classifier-workdir", default=None, help="where classifier A is (default: weights/<dataset>)")
    cli.add_common(p, D, "n", "labels")
    cli.add_fields(p, D, search_steps="search steps L", search_step_size="search step size",
                   clean_floor="the rule's least clean accuracy")
    cli.add_common(p, D, "out")
    args = p.parse_args(argv)
    if args.n < 1:
        raise ValueError(f"--n must be positive, got {args.n}")
    config = dataclasses.replace(D, root=args.root, runs=tuple(args.runs) if args.runs else None, dataset=args.dataset, data_dir=args.data_dir,
                                 classifier_workdir=args.classifier_workdir, baseline=args.baseline or None,
                                 n=args.n, labels=args.labels, search_steps=args.search_steps,
                                 search_step_size=args.search_step_size, clean_floor=args.clean_floor, out=args.out)
    from tf_aegan.studies.noise import markdown, run_noise_study

    result = run_noise_study(config, progress=lambda s: print(s, flush=True))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
