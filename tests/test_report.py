"""evaluate.report: RESULTS.md, whole, from result files, reproducible byte for byte."""

import json
import os

import pytest

import evaluate.report
from tf_aegan.report import GENERATED, generated

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _aa_row(defense, eps, acc, n=10):
    rec = lambda a: {"accuracy": a, "ci": [max(0, a - 0.1), min(1, a + 0.1)], "n": n}  # noqa: E731
    return {"method": "none", "defense": defense, "attack": "autoattack", "eps": eps, "steps": 100, "restarts": 1,
            **rec(acc), "clean": rec(0.9), "paths": ["pgd"], "square_queries": 5000,
            "after": {"pgd/apgd-ce": rec(acc + 0.1), "pgd/apgd-t": rec(acc), "pgd/square": rec(acc)}}


def test_report_is_generated_from_result_files_and_reproducible(tmp_path):
    folder = tmp_path / "results" / "fashion_mnist" / "autoattack_x"
    folder.mkdir(parents=True)
    settings = {"methods": ["none"], "attacks": ["pgd", "autoattack"], "eps": [0.1], "n": 10, "steps": 100,
                "restarts": 1, "aa_paths": ["pgd"], "aa_queries_purifier": 1000, "folders": [], "sanity": True}
    pgd = {"method": "none", "defense": "A", "attack": "pgd", "eps": 0.1, "accuracy": 0.5, "ci": [0.2, 0.8], "n": 10}
    result = {"dataset": "fashion_mnist", "split": "test", "n": 10, "settings": settings,
              "rows": [pgd, _aa_row("A", 0.1, 0.3)], "sanity": [{"name": "Square breaks at most 0.05", "passed": True}]}
    (folder / "adaptive_fashion_mnist.json").write_text(json.dumps(result))
    (tmp_path / "results" / "fashion_mnist" / "table2_tradeoff").mkdir()
    (tmp_path / "results" / "fashion_mnist" / "table2_tradeoff" / "tradeoff_fashion_mnist.md").write_text(
        "### Table 2 on fashion_mnist\n\n| a |\n|---|\n| 1 |\n\nSettings: {}\n")
    (tmp_path / "configs" / "experiments" / "fashion_mnist").mkdir(parents=True)
    (tmp_path / "configs" / "experiments" / "fashion_mnist" / "table2_tradeoff.json").write_text(
        json.dumps({"_command": "python -m evaluate.tradeoff", "n": 500}))
    results = tmp_path / "RESULTS.md"
    results.write_text("# an old diary\n")
    text = evaluate.report.main(["--results", str(results)])
    assert text.startswith("# Results\n") and GENERATED in text and "an old diary" not in text
    assert text.index("## Where things stand") < text.index("# The paper's") < text.index("## Table 2") \
        < text.index("# Beyond the paper") < text.index("## Robustness under AutoAttack")
    assert "#### Table 2 on fashion_mnist" in text and "Settings: {}" not in text  # its settings stay in the JSON
    assert "`python -m evaluate.tradeoff --config configs/experiments/fashion_mnist/table2_tradeoff.json`" in text
    assert "results/fashion_mnist/table2_tradeoff" in text
    assert "| A | test | 0.1 | 0.900" in text and "**0.300 [0.200, 0.400]**" in text and "pgd 0.500" in text
    assert "python scripts/run.py configs/experiments/fashion_mnist/R.json" in text  # each result's recipe
    again = evaluate.report.main(["--results", str(results)])
    assert again == text and results.read_text() == text
    with pytest.raises(SystemExit) as e:
        evaluate.report.main(["--results", str(results), "--check"])
    assert e.value.code == 0
    results.write_text(text.replace("0.300", "0.301"))
    with pytest.raises(SystemExit) as e:
        evaluate.report.main(["--results", str(results), "--check"])
    assert e.value.code == 1
    with pytest.raises(SystemExit) as e:  # no results/ to write from: one line, exit 2
        evaluate.report.main(["--results", str(tmp_path / "elsewhere" / "RESULTS.md")])
    assert e.value.code == 2


def test_committed_results_md_is_what_the_report_writes():
    """A rerun of `python -m evaluate.report` on this checkout rewrites RESULTS.md byte for byte."""
    with open(os.path.join(ROOT, "RESULTS.md")) as f:
        text = f.read()
    assert generated(ROOT) == text


def test_results_and_readme_speak_of_the_project_only():
    """RESULTS.md is a results page, not a diary: short, and no work period in it or in README.md."""
    import re

    for name in ("RESULTS.md", "README.md"):
        with open(os.path.join(ROOT, name)) as f:
            text = f.read()
        assert not re.search(r"(?i)\bsessions?\b", text), name
    with open(os.path.join(ROOT, "RESULTS.md")) as f:
        assert len(f.read().splitlines()) < 600


def test_precision_check_says_whether_bfloat16_stays_within_float32s_intervals(tmp_path):
    from tf_aegan.report import precision_check_lines

    def write(precision, clean, robust):
        d = tmp_path / "study" / "precision_check" / "mnist" / f"classifier_A_advtr_{precision}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "metrics.json").write_text(json.dumps({"final": {"val_accuracy": clean, "val_adv_accuracy": robust},
                                                    "val_n": 2000}))

    assert precision_check_lines(str(tmp_path), "mnist") == []
    write("float32", 0.85, 0.70)
    assert precision_check_lines(str(tmp_path), "mnist") == []  # no twin yet
    write("mixed_bfloat16", 0.851, 0.69)
    assert "**within**" in precision_check_lines(str(tmp_path), "mnist")[0]
    write("mixed_bfloat16", 0.851, 0.60)  # PGD-20 far below float32's interval
    assert "**outside**" in precision_check_lines(str(tmp_path), "mnist")[0]
    for precision in ("float32", "mixed_bfloat16"):  # a GAN's twins (losses only): not read as a classifier's
        d = tmp_path / "study" / "precision_check" / "mnist" / f"defensegan_{precision}"
        d.mkdir(parents=True)
        (d / "metrics.json").write_text(json.dumps({"final": {"d_loss": -5.0, "g_loss": -5.1}}))
    assert sum(x.startswith("- bfloat16") for x in precision_check_lines(str(tmp_path), "mnist")) == 1


def test_defended_verdict_applies_the_studys_rule_to_the_rows_scored_so_far(tmp_path):
    from tf_aegan.report import defended_verdict

    def write(name, rows):
        d = tmp_path / name
        d.mkdir()
        (d / "adaptive_mnist.json").write_text(json.dumps({"split": "val", "rows": rows}))
        return str(d / "adaptive_mnist.json")

    def aa(defense, clean, robust):
        return {**_aa_row(defense, 0.1, robust, n=100), "clean": {"accuracy": clean, "ci": [0, 1], "n": 100}}

    base = "classifier classifier_A_advtr_eps0.1_pgd7_long"  # the project's eps 0.1 network (BASELINE)
    one = write("defended_val_eps0.1", [aa("classifier other", 0.70, 0.40), aa("AE-GAN+rs (search)", 0.86, 0.70)])
    (line,) = [x for x in defended_verdict([one]) if x]
    assert "waits for its baseline" in line  # another classifier's row is not the baseline
    base_file = write("defended_val_eps0.1_baseline", [aa(base, 0.88, 0.65)])
    one = base_file.replace("_baseline", "")
    (line,) = [x for x in defended_verdict([one, base_file]) if x]
    assert "not eligible" in line and "No design is eligible" in line
    two = write("defended_val_design2_eps0.1", [aa("gated", 0.88, 0.66)])
    (line,) = [x for x in defended_verdict([one, base_file, two]) if x]
    assert "Pick: **defended_val_design2_eps0.1: gated**" in line


def test_defended_section_says_what_each_design_taught_once_a_rule_has_spoken(tmp_path):
    from tf_aegan.report import defended_section
    from tf_aegan.studies.defended import LESSONS

    folder = tmp_path / "results" / "mnist" / "defended_val_eps0.1"
    folder.mkdir(parents=True)
    row = {**_aa_row("AE-GAN+rs (search)", 0.1, 0.7, n=100), "clean": {"accuracy": 0.9, "ci": [0, 1], "n": 100}}
    result = {"split": "val", "n": 100, "settings": {"methods": ["ours"], "attacks": ["autoattack"], "eps": [0.1],
                                                      "n": 100, "steps": 100, "restarts": 1, "aa_paths": ["pgd"]},
              "rows": [row]}
    (folder / "adaptive_mnist.json").write_text(json.dumps(result))
    text = "\n".join(defended_section(str(tmp_path), "mnist"))
    assert "waits for its baseline" in text and "What each design taught" in text
    assert all(f"{design[0].upper() + design[1:]}: " in text for design in LESSONS) and len(LESSONS) == 4


def test_precision_check_compares_defensegan_twins_by_their_convergence_scores(tmp_path):
    from tf_aegan.report import precision_check_lines

    def write(precision, recon, acc):
        d = tmp_path / "results" / "mnist" / "precision_check" / f"defensegan_{precision}"
        d.mkdir(parents=True, exist_ok=True)
        row = {"iterations": 1000, "recon": {"mean": recon, "ci": [recon - 0.01, recon + 0.01], "n": 200},
               "fgsm": {"accuracy": acc, "ci": [acc - 0.05, acc + 0.05], "n": 200}}
        (d / "defensegan_convergence_mnist.json").write_text(json.dumps({"rows": [row]}))

    write("float32", 0.05, 0.30)
    write("mixed_bfloat16", 0.055, 0.32)
    assert "**within**" in precision_check_lines(str(tmp_path), "mnist")[0]
    write("mixed_bfloat16", 0.08, 0.32)
    assert "**outside**" in precision_check_lines(str(tmp_path), "mnist")[0]


def test_the_rules_test_step_says_whether_the_pick_beats_the_baseline(tmp_path):
    from tf_aegan.report import _test_verdict

    def write(name, split, acc, ci, folders=(), n=200):
        d = tmp_path / name
        d.mkdir()
        row = {**_aa_row("advtr (classifier)", 0.1, acc, n=n), "ci": ci,
               "clean": {"accuracy": 0.88, "ci": [0, 1], "n": 200}}
        (d / "adaptive_mnist.json").write_text(json.dumps({"split": split, "rows": [row],
                                                           "settings": {"folders": list(folders)}}))
        return str(d / "adaptive_mnist.json")

    def results(*paths):
        return {os.path.basename(os.path.dirname(p)): json.loads(open(p).read()) for p in paths}

    val = write("defended_val_d4", "val", 0.79, [0.70, 0.86])
    assert "not run yet" in _test_verdict(results(val), "defended_val_d4: advtr (classifier)", "net", 0.1)
    base = write("defended_test_base", "test", 0.745, [0.68, 0.80], ["advtr=study/net"])
    close = write("defended_test_d4", "test", 0.75, [0.69, 0.81])
    said = _test_verdict(results(val, base, close), "defended_val_d4: advtr (classifier)", "net", 0.1)
    assert "does not beat" in said
    (tmp_path / "defended_test_d4" / "adaptive_mnist.json").unlink()
    (tmp_path / "defended_test_d4").rmdir()
    write("defended_test_d4", "test", 0.90, [0.85, 0.93])
    assert "**it beats adversarial training**" in _test_verdict(results(val, base, close),
                                                                "defended_val_d4: advtr (classifier)", "net", 0.1)
    # the n = 1000 beside the rule's n: each pick's run against the baseline's run of the same n
    big = write("defended_test_d4_n1000", "test", 0.76, [0.73, 0.79], n=1000)
    said = _test_verdict(results(val, base, close, big), "defended_val_d4: advtr (classifier)", "net", 0.1)
    assert "first 1000" not in said  # the baseline has no run of 1000 images yet: the 200-image one is not its pair
    base_big = write("defended_test_base_n1000", "test", 0.70, [0.67, 0.72], ["advtr=study/net"], n=1000)
    said = _test_verdict(results(val, base, close, big, base_big), "defended_val_d4: advtr (classifier)", "net", 0.1)
    assert "first 200 test images" in said and "first 1000 test images: the pick 0.760" in said
    assert "against net alone 0.700" in said and said.count("**it beats adversarial training**") == 2


def test_served_rows_stand_beside_their_in_process_twins_and_never_count_as_designs():
    from tf_aegan.report import SERVED, served_agreement

    def result(defense, acc, folders=("advtr=study/net",), split="test"):
        row = {**_aa_row(defense, 0.1, acc, n=200), "clean": {"accuracy": 0.88, "ci": [0, 1], "n": 200}}
        return {"split": split, "n": 200, "rows": [row], "settings": {"folders": list(folders)}}

    twin = ("defended_test_net", result("advtr (classifier)", 0.745))
    served = ("defended_test_net_served", result(f"{SERVED} serving_default (front detect)", 0.745))
    other = ("defended_test_other", result("advtr (classifier)", 0.60, folders=("advtr=study/other",)))
    (line,) = served_agreement([other, twin, served], 0.1)
    assert "against 0.745" in line and "+0.000" in line and "they agree" in line
    off = ("defended_test_net_served", result(f"{SERVED} serving_default (front detect)", 0.70))
    assert "**they differ by more than 0.01**" in served_agreement([twin, off], 0.1)[0]
    assert served_agreement([served], 0.1) == []  # no in-process twin: nothing to compare


def test_results_a_changed_network_made_stale_are_listed_until_their_rerun(tmp_path):
    from tf_aegan.report import stale_section

    configs = tmp_path / "configs" / "experiments" / "mnist" / "table1"
    configs.mkdir(parents=True)
    (tmp_path / "results" / "mnist" / "t").mkdir(parents=True)
    (configs / "t.json").write_text(json.dumps({"out": "results/mnist/t", "_stale": "the latent-128 network's"}))
    (configs / "u.json").write_text(json.dumps({"out": "results/mnist/u", "_stale": "never run: nothing to warn of"}))
    (configs / "v.json").write_text(json.dumps({"out": "results/mnist/t"}))
    (configs / "w.json").write_text(json.dumps({"out": "results/mnist/t", "_stale": "the latent-128 network's"}))
    lines = stale_section(str(tmp_path), "mnist")
    # one line per reason, each result folder once (Table 1's column has a config per attack)
    assert [x for x in lines if x.startswith("- ")] == ["- the latent-128 network's `t`."]
    for name in ("t.json", "w.json"):  # re-run: `_stale` dropped
        (configs / name).write_text(json.dumps({"out": "results/mnist/t"}))
    assert stale_section(str(tmp_path), "mnist") == []


def test_compact_tables_say_a_repeated_gray_row_once(tmp_path):
    """None's gray-box cell is its white-box cell (nothing purifies): one row `white, gray`; cells that differ stay apart."""
    from tf_aegan.report import _compact_tables

    def row(threat, method, acc):
        return {"threat": threat, "method": method, "accuracy": acc, "ci": [acc - 0.01, acc + 0.01], "n": 100}

    (tmp_path / "table_fgsm_mnist.json").write_text(json.dumps({
        "attack": "fgsm", "clean": {"none": {"accuracy": 0.9}, "ours": {"accuracy": 0.8}},
        "rows": [row("white", "none", 0.05), row("gray", "none", 0.05), row("white", "ours", 0.2),
                 row("gray", "ours", 0.6)]}))
    lines = [x for x in _compact_tables(str(tmp_path), str(tmp_path)) if x.startswith("|  |")]
    assert [x.split(" | ")[2:4] for x in lines] == [["white, gray", "none"], ["white", "ours"], ["gray", "ours"]]
