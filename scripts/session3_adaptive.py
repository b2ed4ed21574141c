"""Print RESULTS.md's adaptive-attack block from evaluate.adaptive's JSON (results/session3/adaptive_*).
Usage: python scripts/session3_adaptive.py"""

import json
import os

runs = [json.load(open(p)) for p in ("results/session3/adaptive_cheap/adaptive_fashion_mnist.json",
                                     "results/session3/adaptive_through/adaptive_fashion_mnist.json") if os.path.exists(p)]
rows = [r for run in runs for r in run["rows"]]
eps = sorted({r["eps"] for r in rows})
print("| defense | attack (gradient path) | steps x restarts | " + " | ".join(f"eps {e}" for e in eps)
      + " | flagged at eps 0.3 |")
print("|---|---|---|" + "---|" * len(eps) + "---|")
seen = []
for r in rows:
    key = (r["defense"], r["attack"])
    if key in seen:
        continue
    seen.append(key)
    same = {x["eps"]: x for x in rows if (x["defense"], x["attack"]) == key}
    cells = [f"{same[e]['accuracy']:.3f} [{same[e]['ci'][0]:.3f}, {same[e]['ci'][1]:.3f}]" if e in same else "-" for e in eps]
    flagged = f"{same[0.3]['flagged']:.2f}" if 0.3 in same else "-"
    print(f"| {r['defense']} | {r['attack']} | {r['steps']} x {r['restarts']} | " + " | ".join(cells) + f" | {flagged} |")
for run in runs:
    for c in run.get("sanity", []):
        extra = {k: v for k, v in c.items() if k not in ("name", "passed")}
        print(f"\n- {'passed' if c['passed'] else '**failed**'}: {c['name']} `{json.dumps(extra)}`", end="")
print()
