"""Table 1's block for one attack: accuracy of classifier A under each threat model and defense.

Rows are threat models (white, gray for FGSM/PGD/CW; black-A/B, black-A/C for the black-box
attack), columns the defenses. Each accuracy comes with its 95% Wilson interval and n. Results are
written as JSON and Markdown into --out after every batch and row; an interrupted run (Ctrl-C, a
killed process) resumes where it stopped when the same command runs again. Exit status 3 when a
requested method could not run (its networks are missing or broken).
"""

from tf_aegan import cli
from tf_aegan.tables import ATTACKS, TableConfig

D = TableConfig(attack="fgsm")
# CW's defaults when none is given: minutes on a 2-core CPU (the paper's code, 1000 x 5 on 1000 images, takes
# about 16 hours here).
CW_CPU = {"n": 100, "cw_iterations": 100, "cw_binary_steps": 3}


def cpu_sized_cw(args):
    """Fill the options left unset (None): CW's CPU-sized defaults for --attack cw, the table's otherwise;
    returns what was filled for CW (to say so)."""
    filled = {}
    for name, cpu in CW_CPU.items():
        if getattr(args, name) is None:
            if args.attack == "cw":
                setattr(args, name, cpu)
                filled[name] = cpu
            else:
                setattr(args, name, getattr(D, name))
    return filled


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.table", __doc__)
    p.add_argument("--attack", required=True, choices=ATTACKS, help="attack of Table 1")
    cli.add_data_args(p)
    p.add_argument("--methods", default=",".join(D.methods),
                   help="comma-separated: none, ours, advtr, magnet, bigan_s, defensegan, ae_s")
    cli.add_networks_args(p)
    p.add_argument("--folder", action="append", default=[], metavar="METHOD=FOLDER",
                   help="another folder for a method's networks, e.g. magnet=magnet_z20 (repeatable)")
    p.add_argument("--n", type=int, default=None,
                   help=f"images to evaluate (default: {D.n}; for --attack cw {CW_CPU['n']}, CPU-sized)")
    cli.add_common(p, D, "labels")
    p.add_argument("--no-zerograd", action="store_true",
                   help="skip the white-box row scored as the paper's code did (zero input gradient)")
    p.add_argument("--cw-iterations", type=int, default=None,
                   help=f"CW iterations (default {CW_CPU['cw_iterations']}, CPU-sized; the paper's code: {D.cw_iterations})")
    p.add_argument("--cw-binary-steps", type=int, default=None,
                   help=f"CW binary search steps (default {CW_CPU['cw_binary_steps']}; the paper's code: {D.cw_binary_steps})")
    p.add_argument("--pgd-steps", type=int, default=D.pgd_steps, help="PGD iterations")
    p.add_argument("--pgd-step-size", type=float, default=D.pgd_step_size, help="PGD step size")
    p.add_argument("--steps", type=int, default=D.steps, help="search steps L of ours / AE+s (Table 1: 15)")
    p.add_argument("--dgan-steps", type=int, default=None, help="Defense-GAN's L (default: its code's 200)")
    p.add_argument("--dgan-restarts", type=int, default=None, help="Defense-GAN's R (default: its code's 10)")
    p.add_argument("--batch-size", type=int, default=D.batch_size, help="images per batch (the unit of resuming)")
    p.add_argument("--classifier", default=None, metavar="FILE.keras",
                   help="a classifier behind every purifier instead of A (a defended classifier, e.g. AE-GAN+rs in front "
                        "of an adversarially trained A); 'none' is then that classifier alone")
    cli.add_common(p, D, "out")
    p.add_argument("--seed", type=int, default=D.seed, help="random seed")
    args = p.parse_args(argv)
    cpu_sized = cpu_sized_cw(args)
    config = cli.to_config(D, args, methods=tuple(m.strip() for m in args.methods.split(",") if m.strip()),
                           workdir=cli.default_workdir(args, shipped=True), zerograd=not args.no_zerograd,
                           folders=cli.method_folders(args.folder))
    config.check()
    if cpu_sized:
        print(f"CW at a CPU-sized setting ({', '.join(f'--{k.replace(chr(95), chr(45))} {v}' for k, v in cpu_sized.items())}); "
              f"the paper's: --cw-iterations {D.cw_iterations} --cw-binary-steps {D.cw_binary_steps} --n {D.n} "
              "(many hours on a CPU)", flush=True)
    from tf_aegan.tables import markdown, report_stem, run_table

    result = cli.run_resumable(run_table, config)
    print()
    print(markdown(result))
    print(f"wrote {report_stem(result, config.out)}.json and .md")
    return cli.exit_if_missing(result)


if __name__ == "__main__":
    main()
