"""Print Table 1 (Fashion-MNIST block) from evaluate.table's JSON of one or more runs side by side,
with the paper's numbers (tf_aegan.paper) beside them, for RESULTS.md.
Usage: python scripts/table1_compare.py --run "now=results/session5" --run "session 3=results/session3"
       [--methods none,ours,advtr,magnet,bigan_s,defensegan] [--dataset fashion_mnist]
The first run gives every method's column; later runs add their non-None methods, labelled by run."""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tf_aegan import paper  # noqa: E402

ATTACKS = ("fgsm", "pgd", "cw", "blackbox")


def cell(result, threat, method):
    r = next((r for r in result["rows"] if r["threat"] == threat and r["method"] == method), None)
    return "-" if r is None else f"{r['accuracy']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", action="append", required=True, help="LABEL=FOLDER with table_<attack>_<dataset>.json")
    p.add_argument("--methods", default="none,ours")
    p.add_argument("--dataset", default="fashion_mnist")
    args = p.parse_args(argv)
    runs = [tuple(r.split("=", 1)) for r in args.run]
    methods = args.methods.split(",")
    columns = [(runs[0], m) for m in methods] + [(run, m) for run in runs[1:] for m in methods if m != "none"]
    head = [f"{m}, {label}" for (label, _), m in columns]
    print("| attack | threat | n | " + " | ".join(head) + " | " + " | ".join(f"*{m}, paper*" for m in methods) + " |")
    print("|---|---|---|" + "---|" * (len(head) + len(methods)))
    for attack in ATTACKS:
        loaded = {}
        for label, folder in runs:
            path = os.path.join(folder, f"table_{attack}_{args.dataset}.json")
            if os.path.exists(path):
                with open(path) as f:
                    loaded[label] = json.load(f)
        first = loaded.get(runs[0][0])
        if first is None:
            continue
        for threat in dict.fromkeys(r["threat"] for r in first["rows"]):
            theirs = paper.table1(args.dataset, attack, "white" if threat == "white-zerograd" else threat)
            cells = [cell(loaded[label], threat, m) if label in loaded else "-" for (label, _), m in columns]
            theirs = {m: v for m, v in theirs.items() if cell(first, threat, m) != "-"}
            print(f"| {attack.upper()} | {threat} | {first['n']} | " + " | ".join(cells) + " | "
                  + " | ".join(f"*{theirs[m]:.3f}*" if m in theirs else "" for m in methods) + " |")
        clean = [f"{loaded[label]['clean'][m]['accuracy']:.3f}" if label in loaded and m in loaded[label]["clean"]
                 else "-" for (label, _), m in columns]
        print(f"| {attack.upper()} | clean | {first['n']} | " + " | ".join(clean) + " |" + " |" * len(methods))


if __name__ == "__main__":
    main()
