"""Write RESULTS.md's generated block from the result files (results/<dataset>/...) and run folders:
`python -m evaluate.report [--check]`. --check exits 1 when the committed RESULTS.md differs."""

from tf_aegan import cli


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.report", __doc__)
    p.add_argument("--dataset", default="fashion_mnist", help="the data set whose results are shown")
    p.add_argument("--results", default="RESULTS.md", help="the file whose generated block is rewritten")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is not up to date")
    args = p.parse_args(argv)
    import os

    from tf_aegan.report import generated, splice

    if not os.path.isfile(args.results):
        raise ValueError(f"no {args.results} to write the generated block into")
    root = os.path.dirname(os.path.abspath(args.results))
    with open(args.results) as f:
        text = f.read()
    new = splice(text, generated(root, args.dataset))
    if args.check:
        print("up to date" if new == text else f"{args.results} is not up to date: run python -m evaluate.report")
        raise SystemExit(0 if new == text else 1)
    with open(args.results, "w") as f:
        f.write(new)
    print(f"wrote the generated block of {args.results}")
    return new


if __name__ == "__main__":
    main()
