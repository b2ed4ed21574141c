"""evaluate.table and evaluate.table1: Table 1's blocks, their caches, the combined table."""

import json
import os

import pytest

import evaluate.table


def test_fgsm_table_end_to_end_writes_valid_json(workdir, tmp_path, capsys):
    out = str(tmp_path / "out")
    with pytest.raises(SystemExit) as e:  # a requested method did not run: not a success
        evaluate.table.main(workdir + ["--attack", "fgsm", "--methods", "none,ours,magnet", "--n", "12",
                                       "--steps", "3", "--out", out])
    assert e.value.code == 3 and "did not run: magnet" in capsys.readouterr().err
    with open(f"{out}/table_fgsm_mnist.json") as f:
        saved = json.load(f)
    assert set(saved) >= {"attack", "dataset", "clean", "seconds_per_image", "rows"}
    assert {(r["threat"], r["method"]) for r in saved["rows"]} == {("white", "none"), ("gray", "none"),
                                                                   ("white", "ours"), ("gray", "ours"),
                                                                   ("white-zerograd", "ours")}
    assert saved["settings"]["labels"] == "predicted" and "Attack labels: predicted" in open(f"{out}/table_fgsm_mnist.md").read()
    for row in saved["rows"]:
        assert row["n"] == 12 and 0 <= row["ci"][0] <= row["accuracy"] <= row["ci"][1] <= 1
    assert "magnet" in saved["missing"] and "train.magnet" in saved["missing"]["magnet"]
    text = open(f"{out}/table_fgsm_mnist.md").read()
    assert "| white |" in text and "not run" in text
    assert "| *white, paper* | *0.144* | *0.984* |" in text  # the paper's MNIST Table 1 under our row
    assert open(f"{out}/table_fgsm_mnist.md").read().startswith("### FGSM on mnist")


def test_blackbox_table_uses_substitutes(workdir, tmp_path):
    result = evaluate.table.main(workdir + ["--attack", "blackbox", "--n", "10", "--steps", "2",
                                            "--out", str(tmp_path)])
    assert {r["threat"] for r in result["rows"]} == {"black-A/B", "black-A/C"}
    assert result["settings"]["split"] == "blackbox"


def test_table_bad_input(workdir, tmp_path, capsys):
    for extra, message in ((["--attack", "fgsm", "--methods", "none,foo"], "unknown method(s) foo"),
                           (["--attack", "fgsm", "--n", "100000"], "n = 100000 must be between"),
                           (["--attack", "fgsm", "--n", "0"], "n must be at least 1, got 0"),
                           (["--attack", "nope"], "invalid choice")):
        with pytest.raises(SystemExit) as e:
            evaluate.table.main(workdir + extra + ["--out", str(tmp_path)])
        assert e.value.code == 2 and message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        evaluate.table.main(["--attack", "fgsm", "--workdir", str(tmp_path / "empty"), "--dataset", "mnist",
                             "--data-dir", workdir[3], "--n", "5"])
    assert "no classifier A" in capsys.readouterr().err


def test_shipped_weights_are_verified_on_load(workdir, tmp_path, capsys):
    import export.weights
    from tf_aegan import store

    out = str(tmp_path / "weights")
    manifest = export.weights.main(["--workdir", workdir[5], "--dataset", "mnist", "--out", out])
    assert "classifier_A/classifier.keras" in manifest["networks"]
    assert "python -m train.classifier" in manifest["networks"]["classifier_A/classifier.keras"]["command"]
    assert store.load_classifier(out, "A") is not None
    before = {k: v["sha256"] for k, v in manifest["networks"].items()}
    again = export.weights.main(["--workdir", workdir[5], "--dataset", "mnist", "--out", out])
    assert {k: v["sha256"] for k, v in again["networks"].items()} == before  # unchanged networks keep their bytes
    assert "unchanged, kept" in capsys.readouterr().out
    path = f"{out}/aegan/decoder.keras"
    with open(path, "r+b") as f:
        f.truncate(1000)
    with pytest.raises(ValueError, match="corrupt or truncated"):
        store.load_autoencoder(out, "aegan")
    with pytest.raises(SystemExit) as e:
        evaluate.table.main(["--attack", "fgsm", "--workdir", out, "--dataset", "mnist", "--data-dir",
                             workdir[3], "--n", "5", "--out", str(tmp_path)])
    assert e.value.code == 3
    with open(tmp_path / "table_fgsm_mnist.json") as f:
        result = json.load(f)
    assert "corrupt or truncated" in result["missing"]["ours"] and "none" in result["clean"]
    assert "corrupt or truncated" in capsys.readouterr().out


def test_default_out_is_untracked(workdir, tmp_path, monkeypatch):
    """The quick start must not overwrite the tables RESULTS.md cites (results/ is tracked)."""
    import subprocess

    from tf_aegan import defaults

    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                          cwd=__file__.rsplit("/", 2)[0]).stdout.strip()
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{defaults.RESULTS_OUT}/table_fgsm_mnist.json"], cwd=root)
    assert ignored.returncode == 0
    monkeypatch.chdir(tmp_path)
    evaluate.table.main(workdir + ["--attack", "fgsm", "--methods", "none", "--n", "4"])
    assert (tmp_path / defaults.RESULTS_OUT / "table_fgsm_mnist.json").exists()


@pytest.mark.slow(14)  # seconds on one idle core: run longest first
def test_interrupted_table_resumes_from_its_batches(workdir, tmp_path, monkeypatch, capsys):
    """Ctrl-C keeps finished batches and exits 130; the rerun computes only what is missing."""
    from tf_aegan import tables

    out = str(tmp_path / "out")
    args = workdir + ["--attack", "fgsm", "--methods", "none,ours", "--n", "8", "--batch-size", "4",
                      "--steps", "2", "--out", out]
    real_get, calls = tables.BatchCache.get, []

    def interrupted(self, key, index, compute):
        if key.startswith("white_ours") and index == 1:
            raise KeyboardInterrupt
        return real_get(self, key, index, compute)

    monkeypatch.setattr(tables.BatchCache, "get", interrupted)
    with pytest.raises(SystemExit) as e:
        evaluate.table.main(args)
    assert e.value.code == 130 and "run the same command again" in capsys.readouterr().err

    def counting(self, key, index, compute):
        import os

        if not os.path.exists(os.path.join(self.folder, f"{key}.{index}.npy")):
            calls.append((key, index))
        return real_get(self, key, index, compute)

    monkeypatch.setattr(tables.BatchCache, "get", counting)
    result = evaluate.table.main(args)
    assert "resuming" in capsys.readouterr().out
    white = [index for key, index in calls if key.startswith("white_ours_")]  # keyed by ours' networks
    assert ("gray", 0) not in calls and 0 not in white and 1 in white
    fresh = evaluate.table.main(args[:-1] + [str(tmp_path / "fresh")])
    assert result["rows"] == fresh["rows"]  # resumed = uninterrupted
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".cache")]  # cache removed when done


@pytest.mark.eager  # the table's graphs: test_fgsm_table_end_to_end_writes_valid_json
def test_table_cache_outlives_changes_to_networks_the_run_does_not_use(workdir, tmp_path, monkeypatch):
    """A stopped run's batches stay valid when another run's networks land in the work directory
    (a long black-box run is committed and resumed on another machine while other trainings go on)."""
    import shutil

    from tf_aegan import tables

    w = tmp_path / "w"
    shutil.copytree(workdir[workdir.index("--workdir") + 1], w)
    args = workdir + ["--workdir", str(w), "--attack", "fgsm", "--methods", "none,ours", "--n", "8",
                      "--batch-size", "4", "--steps", "2", "--out", str(tmp_path / "out")]
    real_get, calls = tables.BatchCache.get, []

    def interrupted(self, key, index, compute):
        if key.startswith("pred_gray_ours_"):
            raise KeyboardInterrupt
        return real_get(self, key, index, compute)

    monkeypatch.setattr(tables.BatchCache, "get", interrupted)
    with pytest.raises(SystemExit):
        evaluate.table.main(args)
    (w / "magnet").mkdir()
    shutil.copy(w / "aegan" / "decoder.keras", w / "magnet" / "decoder.keras")  # another run's network

    def counting(self, key, index, compute):
        import os

        if not os.path.exists(os.path.join(self.folder, f"{key}.{index}.npy")):
            calls.append(key)
        return real_get(self, key, index, compute)

    monkeypatch.setattr(tables.BatchCache, "get", counting)
    evaluate.table.main(args)
    assert calls and all(key.startswith(("pred_gray_ours_", "clean_ours_")) for key in calls), calls


def test_table_says_its_estimated_time_up_front(workdir, tmp_path, capsys):
    evaluate.table.main(workdir + ["--attack", "pgd", "--methods", "none", "--n", "4", "--pgd-steps", "2",
                                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "need about" in out and out.index("need about") < out.index("gray-box pgd")


@pytest.mark.slow(12)  # seconds on one idle core: run longest first
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
def test_every_column_of_table1_with_baselines(with_baselines, tmp_path):
    methods = "none,ours,advtr,magnet,bigan_s,defensegan"
    result = evaluate.table.main(with_baselines + ["--attack", "fgsm", "--methods", methods, "--n", "8",
                                                   "--steps", "2", "--dgan-steps", "2", "--dgan-restarts", "2",
                                                   "--out", str(tmp_path)])
    assert result["settings"]["dgan_steps"] == 2 and result["settings"]["dgan_restarts"] == 2
    assert not result["missing"] and list(result["clean"]) == methods.split(",")
    assert result["trained"]["defensegan"] == "2 generator iterations" and result["trained"]["bigan_s"] == "1 epoch"
    assert result["trained"]["none"] == "" and "| trained |" in (tmp_path / "table_fgsm_mnist.md").read_text()
    rows = {(r["threat"], r["method"]) for r in result["rows"]}
    assert ("white", "advtr") in rows and ("gray", "advtr") not in rows  # no hidden defense to be gray about
    assert ("white-zerograd", "advtr") not in rows and ("white-zerograd", "magnet") in rows
    assert {("gray", m) for m in ("none", "ours", "magnet", "bigan_s", "defensegan")} <= rows
    magnet = [r for r in result["rows"] if r["method"] == "magnet"]
    assert all(0 <= r["rejected"] <= 1 and r["with_detector"]["accuracy"] >= r["accuracy"] for r in magnet)
    assert "rejected" in result["clean"]["magnet"] and "rejected" not in result["clean"]["ours"]
    assert "MagNet's detector" in (tmp_path / "table_fgsm_mnist.md").read_text()
    # Table 8's second column: MagNet's latent-4 folder in place of its default one.
    result = evaluate.table.main(with_baselines + ["--attack", "fgsm", "--methods", "magnet", "--n", "8",
                                                   "--folder", "magnet=magnet_z4", "--out", str(tmp_path / "z4")])
    assert result["settings"]["folders"] == {"magnet": "magnet_z4"}
    with pytest.raises(SystemExit) as e:
        evaluate.table.main(with_baselines + ["--attack", "fgsm", "--folder", "magnet", "--out", str(tmp_path)])
    assert e.value.code == 2
    # A defended classifier: MagNet's reformer in front of the adversarially trained classifier; `none` is
    # that classifier alone, and the cells are its, not A's.
    robust = os.path.join(with_baselines[5], "classifier_A_advtr", "classifier.keras")
    defended = evaluate.table.main(with_baselines + ["--attack", "fgsm", "--methods", "none,magnet", "--n", "8",
                                                     "--classifier", robust, "--out", str(tmp_path / "defended")])
    assert defended["settings"]["classifier"] == robust
    advtr_alone = {r["threat"]: r["accuracy"] for r in result_white(tmp_path, "advtr")}
    assert defended["clean"]["none"]["accuracy"] == result_clean(tmp_path, "advtr")
    assert {r["threat"]: r["accuracy"] for r in defended["rows"] if r["method"] == "none"}["white"] == advtr_alone["white"]
    assert "not A" in (tmp_path / "defended" / "table_fgsm_mnist.md").read_text()


def result_white(folder, method):
    return [r for r in json.loads((folder / "table_fgsm_mnist.json").read_text())["rows"] if r["method"] == method]


def result_clean(folder, method):
    return json.loads((folder / "table_fgsm_mnist.json").read_text())["clean"][method]["accuracy"]


def test_paper_numbers_are_the_papers_cells():
    """Spot checks against the paper's Table 1 (F-MNIST, gray-box FGSM: no Adv. Tr. cell) and Table 2."""
    from tf_aegan import paper

    assert paper.table1("fashion_mnist", "fgsm", "gray") == {"none": 0.073, "ours": 0.607, "magnet": 0.304,
                                                             "bigan_s": 0.570, "defensegan": 0.389}
    assert paper.table1("fashion_mnist", "blackbox", "black-A/C")["advtr"] == 0.777
    assert paper.table1("celeba", "fgsm", "gray") == {} and paper.table2("fashion_mnist", "ours", 1, 200) is None
    assert paper.table2("fashion_mnist", "defensegan", 10, 60) == (0.788, 0.787, 0.432)


def test_cache_fingerprint_follows_contents_not_paths_or_times(tmp_path):
    import os
    import shutil

    from tf_aegan.store import REPO_ROOT
    from tf_aegan.tables import fingerprint

    a, b = tmp_path / "a", tmp_path / "b"
    (a / "net").mkdir(parents=True)
    (a / "net" / "decoder.keras").write_bytes(b"weights")
    shutil.copytree(a, b)
    os.utime(b / "net" / "decoder.keras", (0, 0))  # a fresh clone's files have other times
    assert fingerprint({"n": 5}, str(a)) == fingerprint({"n": 5}, str(b))
    inside = os.path.join(REPO_ROOT, "weights", "fashion_mnist")
    assert fingerprint({"workdir": inside}, str(a)) == fingerprint({"workdir": "weights/fashion_mnist"}, str(a))
    (b / "net" / "decoder.keras").write_bytes(b"other weights")
    assert fingerprint({"n": 5}, str(a)) != fingerprint({"n": 5}, str(b))
    assert fingerprint({"n": 5}, str(a)) != fingerprint({"n": 6}, str(a))


def test_table1_combines_columns_with_the_papers_cells(tmp_path, capsys):
    """`evaluate.table1` puts separate runs' cells side by side; a cell measured twice comes from the
    last result given; clean accuracy from a method's FGSM result; mixed data sets are refused."""
    import json

    import evaluate.table1

    def result(attack, method, acc, n, clean, dataset="fashion_mnist"):
        threats = ("black-A/B",) if attack == "blackbox" else ("white", "gray")
        return {"attack": attack, "dataset": dataset, "n": n, "clean": {method: {"accuracy": clean}},
                "seconds_per_image": {method: 0.5}, "trained": {method: "3 epochs"},
                "rows": [{"threat": t, "method": method, "accuracy": acc, "ci": [acc - 0.01, acc + 0.01]} for t in threats]}

    paths = []
    for i, r in enumerate((result("blackbox", "defensegan", 0.3, 9850, 0.5), result("fgsm", "defensegan", 0.2, 500, 0.8),
                           result("fgsm", "magnet", 0.1, 1000, 0.9), result("fgsm", "magnet", 0.15, 1000, 0.9))):
        paths.append(str(tmp_path / f"r{i}.json"))
        json.dump(r, open(paths[-1], "w"))
    table = evaluate.table1.main(paths + ["--out", str(tmp_path / "out")])
    assert table["methods"] == ["magnet", "defensegan"]  # the paper's column order
    assert [(c["attack"], c["threat"]) for c in table["cells"]] == [("fgsm", "white"), ("fgsm", "gray"),
                                                                   ("blackbox", "black-A/B")]
    assert table["cells"][0]["by_method"]["magnet"]["accuracy"] == 0.15  # the last result wins
    assert table["per_method"]["defensegan"]["clean"]["accuracy"] == 0.8  # from its FGSM result
    text = open(tmp_path / "out" / "table1_fashion_mnist.md").read()
    assert "| blackbox | black-A/B | - | 0.300 [0.290, 0.310] (9850) |" in text
    assert "| | *paper* | *0.308* | *0.602* |" in text  # Table 1's MagNet and Defense-GAN black-A/B cells
    json.dump(result("fgsm", "magnet", 0.1, 10, 0.9, dataset="mnist"), open(tmp_path / "m.json", "w"))
    for bad, message in (([paths[0], str(tmp_path / "m.json")], "one data set only"),
                         ([str(tmp_path / "missing.json")], "no result file")):
        with pytest.raises(SystemExit) as e:
            evaluate.table1.main(bad + ["--out", str(tmp_path / "out")])
        assert e.value.code == 2 and message in capsys.readouterr().err


def test_cw_defaults_are_cpu_sized_and_an_empty_result_is_no_malformed_table():
    import argparse

    from evaluate.table import CW_CPU, D, cpu_sized_cw
    from tf_aegan.tables import markdown

    cw = argparse.Namespace(attack="cw", n=None, cw_iterations=None, cw_binary_steps=7)
    assert cpu_sized_cw(cw) == {"n": CW_CPU["n"], "cw_iterations": CW_CPU["cw_iterations"]}
    assert (cw.n, cw.cw_iterations, cw.cw_binary_steps) == (100, 100, 7)  # what the user gave stays
    fgsm = argparse.Namespace(attack="fgsm", n=None, cw_iterations=None, cw_binary_steps=None)
    assert cpu_sized_cw(fgsm) == {} and fgsm.n == D.n and fgsm.cw_iterations == D.cw_iterations
    text = markdown({"attack": "cw", "dataset": "fashion_mnist", "n": 100, "clean": {}, "rows": [], "settings": {}})
    assert "| threat |" not in text and "No row has finished yet" in text


def test_table1_takes_autoattack_rows_of_its_own_networks_only():
    """White-aa rows come from evaluate.adaptive results; a row measured on another network (--folder) or
    behind another classifier (--classifier) is not Table 1's and is left out."""
    from tf_aegan.tables import combine

    clean = {"accuracy": 0.9, "ci": [0.8, 0.95], "n": 10}
    table = {"attack": "fgsm", "dataset": "mnist", "n": 10, "clean": {"none": clean, "advtr": clean},
             "rows": [{"threat": "white", "method": m, "accuracy": 0.1, "ci": [0, 0.3]} for m in ("none", "advtr")]}

    def aa(method, eps, **settings):
        return {"settings": {"folders": [], **settings}, "rows": [
            {"method": method, "defense": method, "attack": "autoattack", "eps": eps, "accuracy": 0.05,
             "ci": [0, 0.2], "n": 10}]}

    combined = combine([table, aa("none", 0.3), aa("advtr", 0.3, folders=["advtr=study/x"]),
                        aa("ours", 0.1, classifier="study/x/classifier.keras")])
    rows = {c["threat"]: set(c["by_method"]) for c in combined["cells"] if c["attack"] == "autoattack"}
    assert rows == {"white-aa eps 0.3": {"none"}}
