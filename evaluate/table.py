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
    cli.add_common(p, D, "n", "labels")
    p.add_argument("--no-zerograd", action="store_true",
                   help="skip the white-box row scored as the paper's code did (zero input gradient)")
    p.add_argument("--cw-iterations", type=int, default=D.cw_iterations, help="CW iterations (CleverHans' default)")
    p.add_argument("--cw-binary-steps", type=int, default=D.cw_binary_steps, help="CW binary search steps")
    p.add_argument("--pgd-steps", type=int, default=D.pgd_steps, help="PGD iterations")
    p.add_argument("--pgd-step-size", type=float, default=D.pgd_step_size, help="PGD step size")
    p.add_argument("--steps", type=int, default=D.steps, help="search steps L of ours / AE+s (Table 1: 15)")
    p.add_argument("--batch-size", type=int, default=D.batch_size, help="images per batch (the unit of resuming)")
    cli.add_common(p, D, "out")
    p.add_argument("--seed", type=int, default=D.seed, help="random seed")
    args = p.parse_args(argv)
    config = cli.to_config(D, args, methods=tuple(m.strip() for m in args.methods.split(",") if m.strip()),
                           workdir=cli.default_workdir(args, shipped=True), zerograd=not args.no_zerograd,
                           folders=cli.method_folders(args.folder))
    config.check()
    from tf_aegan.tables import markdown, report_stem, run_table

    result = cli.run_resumable(run_table, config)
    print()
    print(markdown(result))
    print(f"wrote {report_stem(result, config.out)}.json and .md")
    return cli.exit_if_missing(result)


if __name__ == "__main__":
    main()
