"""Table 1 as one table: the cells of several `evaluate.table` results side by side, with the paper's.

Each column of Table 1 is measured by its own `evaluate.table` run (one attack, some methods); this
puts their JSON results into one table: accuracy [95% Wilson interval] (n) per cell, the paper's number
beneath, and each method's clean accuracy, seconds per image and training length. A cell present in
several results comes from the last one given. Writes table1_<dataset>.json and .md into --out.
"""

import json
import os

from tf_aegan import cli


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m evaluate.table1", __doc__)
    p.add_argument("results", nargs="+", metavar="RESULT.json", help="table_<attack>_<dataset>.json of evaluate.table")
    p.add_argument("--out", required=True, help="folder for table1_<dataset>.json and .md")
    args = p.parse_args(argv)
    from tf_aegan.reports import write_report
    from tf_aegan.tables import combine, combined_markdown

    results = []
    for path in args.results:
        if not os.path.isfile(path):
            raise ValueError(f"no result file {path}")
        try:
            with open(path) as f:
                results.append(json.load(f))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not JSON ({e})") from None
    table = combine(results)
    table["sources"] = list(args.results)
    text = combined_markdown(table)
    stem = write_report(table, os.path.join(args.out, f"table1_{table['dataset']}"), text)
    print(text)
    print(f"wrote {stem}.json and .md")
    return table


if __name__ == "__main__":
    main()
