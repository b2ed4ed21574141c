"""Score Defense-GAN's generator snapshots on validation images and apply the convergence rule fixed
before its run (tf_aegan.studies.defensegan_convergence):
`python -m evaluate.defensegan_convergence --folder study/baselines/fashion_mnist/defensegan --n 500`."""

from tf_aegan import cli
from tf_aegan.studies.defensegan_convergence import ConvergenceConfig

D = ConvergenceConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.defensegan_convergence", __doc__)
    cli.add_data_args(p)
    p.add_argument("--folder", default=D.folder, help="a train.defensegan run with snapshots/decoder_<iterations>.keras")
    p.add_argument("--classifier-workdir", default=None, help="where classifier A is (default: weights/<dataset>)")
    p.add_argument("--n", type=int, default=D.n, help="the first n validation images")
    p.add_argument("--steps", type=int, default=D.steps, help="the projection's L")
    p.add_argument("--restarts", type=int, default=D.restarts, help="the projection's R")
    p.add_argument("--eps", type=float, default=None, help="FGSM's eps (default: 0.3 MNIST/F-MNIST, 0.1 CelebA)")
    p.add_argument("--labels", default=D.labels, choices=("predicted", "true"), help="the labels FGSM moves away from")
    p.add_argument("--min-iterations", type=int, default=D.min_iterations, help="the rule's least length")
    p.add_argument("--out", default=D.out, help="folder for defensegan_convergence_<dataset>.json, .md and .png")
    args = p.parse_args(argv)
    config = cli.to_config(D, args)
    from tf_aegan.studies.defensegan_convergence import markdown, run_convergence

    result = run_convergence(config, progress=lambda s: print(s, flush=True))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
