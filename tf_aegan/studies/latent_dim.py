"""Table 8: MagNet and AE-GAN+rs at two latent sizes (Appendix D), under white- and gray-box attacks.

Runs Table 1's protocol (`tf_aegan.tables.run_table`) once per latent size and attack, with the
folders of that size: `magnet`/`aegan` at the default 128, `magnet_z<D>`/`aegan_z<D>` otherwise
(`python -m train.magnet --latent-dim D`, `python -m train.aegan --latent-dim D`).
"""

import dataclasses
import json
import os

from tf_aegan import defaults
from tf_aegan.reports import write_report


@dataclasses.dataclass
class LatentDimConfig:
    dataset: str = "fashion_mnist"
    data_dir: str = None
    workdir: str = None
    dims: tuple = (20, defaults.LATENT_DIM)
    attacks: tuple = ("fgsm", "pgd", "cw")
    n: int = 500
    labels: str = "predicted"
    cw_iterations: int = 100              # reduced from CleverHans' 1000 x 5 (time on a CPU): say so
    cw_binary_steps: int = 3
    out: str = defaults.RESULTS_OUT


def folder(kind, dim, workdir=None):
    """The folder of `kind` (magnet, aegan) at latent size `dim`: `<kind>_z<dim>` when `workdir` has it, else
    `kind` itself when its config.json says that size (the shipped Ours may be the latent-20 network, the
    latent-128 one then `aegan_z128`), else the name the default size would have."""
    named = f"{kind}_z{dim}"
    if workdir and os.path.isdir(os.path.join(workdir, named)):
        return named
    config = os.path.join(workdir or "", kind, "config.json")
    if workdir and os.path.isfile(config):
        with open(config) as f:
            if json.load(f).get("latent_dim") == dim:
                return kind
    return kind if dim == defaults.LATENT_DIM else named


def run_latent_dim(config: LatentDimConfig, progress=print):
    from tf_aegan import store
    from tf_aegan.tables import TableConfig, run_table

    workdir = config.workdir or store.shipped_dir(config.dataset)
    result = {"dataset": config.dataset, "n": config.n, "dims": list(config.dims), "tables": {}, "missing": {},
              "settings": {k: v for k, v in dataclasses.asdict(config).items() if k not in ("out", "data_dir")}}
    for dim in config.dims:
        for attack in config.attacks:
            progress(f"== latent {dim}, {attack}")
            table = run_table(TableConfig(attack=attack, dataset=config.dataset, data_dir=config.data_dir,
                                          methods=("none", "magnet", "ours"), workdir=config.workdir,
                                          aegan=folder("aegan", dim, workdir), folders={"magnet": folder("magnet", dim, workdir)},
                                          n=config.n, labels=config.labels, zerograd=False,
                                          cw_iterations=config.cw_iterations, cw_binary_steps=config.cw_binary_steps,
                                          out=os.path.join(config.out, f"latent_{dim}")), progress)
            result["tables"][f"{dim}/{attack}"] = table
            result["missing"].update({f"{m} (latent {dim})": why for m, why in table["missing"].items()})
            write(result, config.out)
    return result


def markdown(result):
    dims = result["dims"]
    lines = [f"### Table 8 on {result['dataset']} (test, n={result['n']})", "",
             "| threat | attack | None | " + " | ".join(f"MagNet D={d} | AE-GAN+rs D={d}" for d in dims) + " |",
             "|---|---|---|" + "---|---|" * len(dims)]
    attacks = list(dict.fromkeys(key.split("/")[1] for key in result["tables"]))
    for threat in ("white", "gray"):
        for attack in attacks:
            cells, none = [], "-"
            for d in dims:
                table = result["tables"].get(f"{d}/{attack}", {"rows": []})
                acc = {r["method"]: r["accuracy"] for r in table["rows"] if r["threat"] == threat}
                none = f"{acc['none']:.3f}" if "none" in acc else none
                cells += [f"{acc[m]:.3f}" if m in acc else "-" for m in ("magnet", "ours")]
            lines.append(f"| {threat} | {attack} | {none} | " + " | ".join(cells) + " |")
    trained = trained_lengths(result)
    if trained:
        lines.append("\nTrained: " + "; ".join(f"{name} {how}" for name, how in trained.items()) + ".")
    for name, why in result.get("missing", {}).items():
        lines.append(f"\n- `{name}` not run: {why}")
    lines.append("\nEach cell's interval and n are in the per-table files under latent_<D>/.")
    return "\n".join(lines) + "\n"


# The table's defenses and how its plot and notes name them.
LABELS = {"magnet": "MagNet", "ours": "AE-GAN+rs"}


def trained_lengths(result):
    """How long each network of the table was trained, from the tables' `trained` records."""
    out = {}
    for key, table in result["tables"].items():
        dim = key.split("/")[0]
        for method, how in table.get("trained", {}).items():
            if how and method in LABELS:
                out[f"{LABELS[method]} D={dim}"] = how
    return out


def cells(result, threat, attack):
    """{series label: (accuracy, low, high) or None} of one threat and attack, for the plot."""
    out = {}
    for d in result["dims"]:
        rows = result["tables"].get(f"{d}/{attack}", {"rows": []})["rows"]
        for method, label in LABELS.items():
            row = next((r for r in rows if r["threat"] == threat and r["method"] == method), None)
            out[f"{label} D={d}"] = None if row is None else (row["accuracy"], *row["ci"])
    return out


def plot(result, path):
    """Grouped bars: one cluster per threat and attack, one bar per method and latent size."""
    from tf_aegan.plots import grouped_bars

    attacks = list(dict.fromkeys(key.split("/")[1] for key in result["tables"]))
    groups = [(t, a) for t in ("white", "gray") for a in attacks]
    per_group = [cells(result, t, a) for t, a in groups]
    labels = list(dict.fromkeys(label for g in per_group for label in g))
    series = {label: [g.get(label) for g in per_group] for label in labels}
    grouped_bars([f"{t} {a.upper()}" for t, a in groups], series, path,
                 title=f"Table 8 on {result['dataset']} (test, n={result['n']})")


def write(result, out):
    stem = write_report(result, os.path.join(out, f"latent_dim_{result['dataset']}"), markdown(result))
    if result["tables"]:
        plot(result, stem + ".png")
    return stem
