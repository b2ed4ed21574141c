"""Adaptive attacks on the defenses (BPDA, PGD through the unrolled search, through the gated purifier
and through the exported SavedModel, detector-aware), with the sanity checks of Carlini et al.
(2019): `python -m evaluate.adaptive --dataset fashion_mnist --eps 0.1,0.2,0.3 --n 500`.
Writes DIR/adaptive_<dataset>.json and .md after every row; a rerun resumes from cached batches."""

from tf_aegan import cli
from tf_aegan.adaptive import ATTACKS, AdaptiveConfig

D = AdaptiveConfig()


@cli.exits_cleanly
def main(argv=None):
    p = cli.network_parser("python -m evaluate.adaptive", __doc__)
    cli.add_common(p, D, "n", "labels", "out")
    p.add_argument("--methods", default=",".join(D.methods),
                   help="comma-separated: none, ours, advtr, magnet, bigan_s, defensegan, ae_s")
    p.add_argument("--attacks", default=",".join(D.attacks), help=f"comma-separated, from {', '.join(ATTACKS)}")
    p.add_argument("--eps", default=",".join(map(str, D.eps)), help="comma-separated L-infinity budgets")
    cli.add_fields(p, D, steps="PGD iterations", restarts="random restarts (worst case per image)",
                   eot="EOT samples per PGD step on a random defense (Defense-GAN's restarts)",
                   spsa_n="images for the SPSA check (0: skip)", spsa_steps="SPSA iterations",
                   spsa_samples="SPSA's gradient-estimate samples per iteration", sanity_n="images for the eps-to-1 and step checks",
                   cw_iterations="CW-L2 iterations per binary-search step (attack cw)",
                   cw_binary_steps="CW-L2 binary-search steps over its constant (attack cw)")
    cli.add_fields(p, D, aa_iterations="AutoAttack: APGD iterations (standard: 100)",
                   aa_targets="AutoAttack: APGD-T target classes (standard: 9)",
                   aa_queries="AutoAttack: Square queries on a bare classifier (standard: 5000)",
                   aa_queries_purifier="AutoAttack: Square queries through a purifier (each runs the search)")
    p.add_argument("--aa-queries-for", action="append", default=[],
                   help="METHOD=N: Square queries for that method instead of the purifier budget (e.g. ours=250: "
                        "each query runs AE-GAN+rs's search)")
    p.add_argument("--aa-n", type=int, default=None, help="AutoAttack on the first N images only (default: --n)")
    p.add_argument("--aa-paths", default=",".join(D.aa_paths),
                   help="AutoAttack's gradient paths, tried in turn on what the earlier left: pgd (a bare classifier), "
                        "reconstruct (through G(F(x))), search (the unrolled search), bpda, served, gated")
    p.add_argument("--folder", action="append", default=[],
                   help="METHOD=FOLDER: a method's networks from FOLDER (in --workdir, or a path), e.g. "
                        "advtr=study/baselines/fashion_mnist/classifier_A_advtr_eps0.1")
    p.add_argument("--classifier", default=None,
                   help="a .keras classifier behind every purifier instead of A (a defended classifier: e.g. AE-GAN+rs "
                        "in front of an adversarially trained A); 'none' is then that classifier alone")
    p.add_argument("--split", default="test", choices=("val", "test"), help="images: validation (a study's pick) or test")
    p.add_argument("--peer-check", action="store_true",
                   help="instead of the attacks: this project's APGD-CE against ART's on the same images, along each "
                        "method's first path of --aa-paths (e.g. --aa-paths served for AE-GAN+rs through the SavedModel)")
    p.add_argument("--search-steps", type=int, default=None, help="the purifier's L (default: its own)")
    p.add_argument("--dgan-steps", type=int, default=None, help="Defense-GAN's L (default: its code's 200)")
    p.add_argument("--dgan-restarts", type=int, default=None, help="Defense-GAN's R (default: its code's 10)")
    p.add_argument("--no-sanity", action="store_true", help="skip the sanity checks")
    p.add_argument("--keep-cache", action="store_true",
                   help="keep the computed batches when done, for a later run with more budgets, attacks or methods "
                        "(they are not part of the cache's key)")
    args = p.parse_args(argv)
    eps = cli.numbers(args.eps, "eps")
    config = cli.to_config(D, args, workdir=cli.default_workdir(args, shipped=True), eps=eps,
                           methods=tuple(m for m in args.methods.split(",") if m),
                           attacks=tuple(a for a in args.attacks.split(",") if a), sanity=not args.no_sanity,
                           keep_cache=args.keep_cache, aa_paths=tuple(a for a in args.aa_paths.split(",") if a),
                           folders=tuple(args.folder), aa_queries_for=tuple(args.aa_queries_for))
    config.check()
    from tf_aegan.adaptive import markdown, peer_check, peer_markdown, run_adaptive

    if args.peer_check:
        result = cli.run_resumable(peer_check, config)
        print(peer_markdown(result))
        return result
    return cli.run_and_report(run_adaptive, markdown, config)


if __name__ == "__main__":
    main()
