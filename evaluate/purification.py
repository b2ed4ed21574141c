"""Classifier A on clean, reconstructed and searched test images, and the detector's ROC against FGSM
(Figures 3, 7, 8 and 10): `python -m evaluate.purification --dataset fashion_mnist --n 10000`."""

from tf_aegan import cli
from tf_aegan.studies.purification import PurificationConfig

D = PurificationConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.purification", __doc__)
    cli.add_data_args(p)
    cli.add_networks_args(p)
    p.add_argument("--n", type=int, default=D.n, help="test images")
    p.add_argument("--eps-list", default=",".join(map(str, D.eps_list)), help="FGSM sizes for the ROC curves")
    p.add_argument("--fpr", type=float, default=D.fpr, help="detector false-positive rate on clean validation images")
    p.add_argument("--labels", default=D.labels, choices=("predicted", "true"), help="FGSM labels")
    p.add_argument("--out", default=D.out, help="folder for JSON, Markdown and figures")
    args = p.parse_args(argv)
    try:
        eps_list = tuple(float(e) for e in args.eps_list.split(",") if e.strip())
    except ValueError as e:
        raise ValueError(f"--eps-list must be comma-separated numbers, got {args.eps_list!r}") from e
    config = PurificationConfig(workdir=cli.default_workdir(args, shipped=True), aegan=args.aegan, dataset=args.dataset,
                                data_dir=args.data_dir, n=args.n, eps_list=eps_list, fpr=args.fpr, labels=args.labels,
                                out=args.out)
    from tf_aegan.studies.purification import markdown, run_purification

    result = cli.run_resumable(run_purification, config)
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
