"""Classifier A on clean, reconstructed and searched test images, and the detector's ROC against FGSM
(Figures 3, 7, 8 and 10): `python -m evaluate.purification --dataset fashion_mnist --n 10000`."""

from tf_aegan import cli
from tf_aegan.studies.purification import PurificationConfig

D = PurificationConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.network_parser("python -m evaluate.purification", __doc__)
    cli.add_common(p, D, "n", "labels", "fpr", "out")
    p.add_argument("--eps-list", default=",".join(map(str, D.eps_list)), help="FGSM sizes for the ROC curves")
    args = p.parse_args(argv)
    eps_list = cli.numbers(args.eps_list, "eps-list")
    config = PurificationConfig(workdir=cli.default_workdir(args, shipped=True), aegan=args.aegan, dataset=args.dataset,
                                data_dir=args.data_dir, n=args.n, eps_list=eps_list, fpr=args.fpr, labels=args.labels,
                                out=args.out)
    from tf_aegan.studies.purification import markdown, run_purification

    return cli.run_and_report(run_purification, markdown, config)


if __name__ == "__main__":
    main()
