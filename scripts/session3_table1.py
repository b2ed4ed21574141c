"""Print RESULTS.md's session-3 Table 1 block from the JSON the commands wrote (results/session3, and
session 2's results/ for comparison). Usage: python scripts/session3_table1.py"""

import json
import os

PAPER = {("fgsm", "white"): (0.073, 0.804), ("fgsm", "gray"): (0.073, 0.607), ("pgd", "white"): (0.028, 0.816),
         ("pgd", "gray"): (0.028, 0.736), ("cw", "white"): (0.062, 0.767), ("cw", "gray"): (0.062, 0.719),
         ("blackbox", "black-A/B"): (0.227, 0.603), ("blackbox", "black-A/C"): (0.295, 0.507)}
ZEROGRAD_PAPER = {"fgsm": 0.804, "pgd": 0.816}


def load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def cell(rows, threat, method):
    r = next((r for r in rows if r["threat"] == threat and r["method"] == method), None)
    return "-" if r is None else f"{r['accuracy']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]"


print("| attack | threat | n | None | Ours, now | Ours, session 2 (11 epochs, true labels) | *None, paper* | *Ours, paper* |")
print("|---|---|---|---|---|---|---|---|")
for attack in ("fgsm", "pgd", "cw", "blackbox"):
    now = load(f"results/session3/table_{attack}_fashion_mnist.json")
    old = load(f"results/table_{attack}_fashion_mnist.json")
    if now is None:
        continue
    threats = [t for t in dict.fromkeys(r["threat"] for r in now["rows"])]
    for t in threats:
        paper = PAPER.get((attack, t)) or ((None, ZEROGRAD_PAPER.get(attack)) if t == "white-zerograd" else (None, None))
        p_none = "" if paper[0] is None else f"*{paper[0]}*"
        p_ours = "" if paper[1] is None else f"*{paper[1]}*" + (" (the paper's white)" if t == "white-zerograd" else "")
        print(f"| {attack.upper()} | {t} | {now['n']} | {cell(now['rows'], t, 'none')} | **{cell(now['rows'], t, 'ours')}** | "
              f"{cell(old['rows'], t, 'ours') if old else '-'} | {p_none} | {p_ours} |")
    if "ours" in now["clean"]:
        was = f"{old['clean']['ours']['accuracy']:.3f}" if old and "ours" in old["clean"] else "-"
        print(f"| {attack.upper()} | clean | {now['n']} | {now['clean']['none']['accuracy']:.3f} | "
              f"{now['clean']['ours']['accuracy']:.3f} | {was} | | |")
