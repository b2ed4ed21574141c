"""Write RESULTS.md, whole, from the result files (results/<dataset>/...) and run folders (study/...):
`python -m evaluate.report [--check]`. --check exits 1 when the committed RESULTS.md differs."""

from tf_aegan import cli


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.report", __doc__)
    p.add_argument("--dataset", default="fashion_mnist", help="the data set whose results are shown")
    p.add_argument("--results", default="RESULTS.md", help="the file to write")
    p.add_argument("--root", default=None, help="the repository whose results/ and study/ are read "
                                                "(default: the folder of --results)")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is not up to date")
    args = p.parse_args(argv)
    import os

    from tf_aegan.report import generated

    root = args.root or os.path.dirname(os.path.abspath(args.results))
    if not os.path.isdir(os.path.join(root, "results")):
        raise ValueError(f"no results/ folder in {root} to write {args.results} from")
    new = generated(root, args.dataset)
    if args.check:
        old = open(args.results).read() if os.path.isfile(args.results) else ""
        print("up to date" if new == old else f"{args.results} is not up to date: run python -m evaluate.report")
        raise SystemExit(0 if new == old else 1)
    with open(args.results, "w") as f:
        f.write(new)
    print(f"wrote {args.results} ({new.count(chr(10))} lines)")
    return new


if __name__ == "__main__":
    main()
