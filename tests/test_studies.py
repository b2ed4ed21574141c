"""The studies (tf_aegan.studies) through their commands: search parameters, Table 3's ablation,
purification and detection, Table 2's trade-off, Table 8's latent dimension."""

import json
import os

import pytest

import train.aegan

# `eager` below: a study's subject is its table and pick; the purifiers' graphs it runs are traced in
# test_purify.py (eager only where it is faster: the tests that run each function a few times).


@pytest.mark.eager
def test_search_params_sweep_picks_within_the_clean_guard(workdir, tmp_path):
    import evaluate.search_params

    result = evaluate.search_params.main(workdir + ["--n", "4", "--steps", "2", "--step-sizes", "1,1000",
                                                    "--factors", "1", "--out", str(tmp_path)])
    assert len(result["rows"]) == 2 and {"white", "gray", "clean"} <= set(result["rows"][0])
    floor = result["baseline"]["clean_reconstruct"]["accuracy"] - 0.05
    ok = [r for r in result["rows"] if r["clean"]["accuracy"] >= floor and r["descends"]]
    if result["best"] is None:
        assert not ok
    else:
        chosen = next(r for r in result["rows"] if r["step_size"] == result["best"]["step_size"])
        assert chosen in ok
    for r in result["rows"]:
        assert len(r["trajectory"]["gray"]) == 3 and r["descends"] == all(t[-1] < t[0] for t in r["trajectory"].values())
    assert (tmp_path / "search_params_mnist_trajectory.png").exists()


@pytest.mark.eager
def test_search_params_saves_its_pick_and_purifiers_of_that_network_search_with_it(workdir, tmp_path):
    import shutil

    import evaluate.search_params
    from tf_aegan import store
    from tf_aegan.purify import LatentSearchPurifier
    from tf_aegan.tables import fingerprint

    w = tmp_path / "w"  # the pick is written into the work directory: a private copy
    shutil.copytree(workdir[workdir.index("--workdir") + 1], w)
    args = [a if a != workdir[workdir.index("--workdir") + 1] else str(w) for a in workdir]
    before = fingerprint({}, str(w / "aegan"))
    enc, dec = store.load_autoencoder(str(w), "aegan", "mnist")
    assert enc.search_settings == {} and LatentSearchPurifier(enc, dec).step_size == 0.3  # Algorithm 2's default
    result = evaluate.search_params.main(args + ["--n", "4", "--steps", "2", "--step-sizes", "1,10",
                                                 "--factors", "1", "--clean-tolerance", "1", "--save-pick",
                                                 "--out", str(tmp_path / "out")])
    saved = json.loads((w / "aegan" / "search.json").read_text())
    assert {k: saved[k] for k in result["best"]} == result["best"] and saved["n"] == 4
    enc, dec = store.load_autoencoder(str(w), "aegan", "mnist")
    pur = LatentSearchPurifier(enc, dec, mode="search")
    assert (pur.steps, pur.step_size, pur.factor) == (2, result["best"]["step_size"], 1.0)
    assert LatentSearchPurifier(enc, dec, step_size=5.0).step_size == 5.0  # given beats chosen
    assert fingerprint({}, str(w / "aegan")) != before  # cached batches of the old search are not reused
    (w / "aegan" / "search.json").write_text("{")
    with pytest.raises(ValueError, match="search.json"):
        store.load_autoencoder(str(w), "aegan", "mnist")


@pytest.mark.eager
def test_ablation_table_on_tiny_networks(workdir, tmp_path):
    import shutil

    import evaluate.ablation

    w = str(tmp_path / "w")  # it trains a network into the work directory: a private copy
    shutil.copytree(workdir[5], w)
    train.aegan.main(workdir[:4] + ["--workdir", w, "--epochs", "1", "--batch-size", "16", "--latent-dim", "8",
                                    "--no-adversarial", "--name", "ae", "--verbose", "0"])
    result = evaluate.ablation.main(workdir[:4] + ["--workdir", w, "--networks", "AE=ae,AE-GAN+r=aegan", "--n", "6",
                                                   "--search-steps", "2", "--cw-iterations", "2",
                                                   "--cw-binary-steps", "1", "--out", str(tmp_path)])
    assert [c["label"] for c in result["columns"]] == ["AE", "AE+s", "AE-GAN+r", "AE-GAN+r+s"]
    for c in result["columns"]:
        assert c["epochs"] == 1 and all(0 <= c[row]["accuracy"] <= 1 and c[row]["n"] == 6
                                        for row in ("clean", "fgsm", "cw", "half_mask"))
    assert "| half_mask |" in (tmp_path / "ablation_mnist.md").read_text()
    with pytest.raises(SystemExit) as e:
        evaluate.ablation.main(workdir[:4] + ["--workdir", w, "--networks", "AE-GAN=aegan_nonoise", "--n", "4",
                                              "--cw-iterations", "1", "--cw-binary-steps", "1", "--out", str(tmp_path)])
    assert e.value.code == 3


@pytest.mark.slow(17)  # seconds on one idle core: run longest first
def test_purification_on_tiny_networks(workdir, tmp_path):
    import evaluate.purification

    result = evaluate.purification.main(workdir + ["--n", "8", "--eps-list", "0.1,0.3", "--out", str(tmp_path)])
    assert set(result["accuracy"]) == {f"{i}/{m}" for i in ("clean", "fgsm_0.3")
                                       for m in ("none", "reconstruct", "search", "gated")} | {"fgsm_0.1/reconstruct"}
    assert set(result["auc"]) == {f"{m}/fgsm_{e}" for m in ("mse", "l1") for e in ("0.1", "0.3")}
    assert all(0 <= v <= 1 for v in result["auc"].values()) and result["threshold_mse"] > 0
    for name in ("purification_mnist.json", "purification_mnist.md", "purified_mnist.png", "roc_l1_mnist.png",
                 "detection_vs_eps_mnist.png", "figure10_mnist.png"):
        assert (tmp_path / name).exists()


@pytest.mark.eager
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
def test_tradeoff_table_on_tiny_networks(with_baselines, tmp_path):
    import evaluate.tradeoff

    result = evaluate.tradeoff.main(with_baselines + ["--n", "6", "--steps", "1,3", "--restarts", "1,2",
                                                      "--out", str(tmp_path)])
    cells = [(c["method"], c["R"], c["L"]) for c in result["cells"]]
    assert sorted(cells) == sorted([("ours", 1, 1), ("ours", 1, 3), ("defensegan", 1, 1), ("defensegan", 1, 3),
                                    ("defensegan", 2, 1), ("defensegan", 2, 3)])
    cost = [c["R"] * c["L"] for c in result["cells"]]
    assert cost == sorted(cost)  # cheap cells first
    for c in result["cells"]:
        assert c["seconds_per_image"] > 0 and all(c[i]["n"] == 6 for i in ("clean", "white", "gray"))
        if c["method"] == "defensegan":  # its white-box images are the gray-box ones, projected once
            assert c["white"] == c["gray"]
    assert (tmp_path / "tradeoff_mnist.png").exists() and "| defensegan | 2 | 3 |" in (tmp_path / "tradeoff_mnist.md").read_text()


@pytest.mark.eager
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
def test_latent_dim_table_on_tiny_networks(with_baselines, tmp_path):
    """Table 8 with latent 8 (the tiny 'default' folders renamed by --dims) and 4."""
    import evaluate.latent_dim

    with pytest.raises(SystemExit) as e:  # aegan_z4 is not trained: reported, exit 3, MagNet's column kept
        evaluate.latent_dim.main(with_baselines + ["--dims", "4", "--attacks", "fgsm", "--n", "6",
                                                   "--out", str(tmp_path)])
    assert e.value.code == 3
    text = (tmp_path / "latent_dim_mnist.md").read_text()
    assert "| white | fgsm |" in text and "MagNet D=4" in text and "ours (latent 4)" in text
    row = next(line for line in text.splitlines() if line.startswith("| gray | fgsm |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] != "-" and cells[4] == "-"  # MagNet at latent 4 ran, AE-GAN+rs at latent 4 did not
    assert "Trained: MagNet D=4 1 epoch" in text  # lengths differ between sizes: the table says each
    assert (tmp_path / "latent_dim_mnist.png").stat().st_size > 5000


def test_latent_dim_plot_has_a_bar_per_measured_cell(tmp_path):
    from tf_aegan.studies import latent_dim

    rows = [{"threat": t, "method": m, "accuracy": 0.5, "ci": [0.4, 0.6]} for t in ("white", "gray")
            for m in ("none", "magnet", "ours")]
    result = {"dataset": "mnist", "n": 10, "dims": [4, 8],
              "tables": {"4/fgsm": {"rows": rows, "trained": {"magnet": "2 epochs", "ours": "3 epochs"}},
                         "8/fgsm": {"rows": rows[:2], "trained": {}}}}
    assert latent_dim.cells(result, "gray", "fgsm") == {"MagNet D=4": (0.5, 0.4, 0.6), "AE-GAN+rs D=4": (0.5, 0.4, 0.6),
                                                        "MagNet D=8": None, "AE-GAN+rs D=8": None}
    assert latent_dim.trained_lengths(result) == {"MagNet D=4": "2 epochs", "AE-GAN+rs D=4": "3 epochs"}
    latent_dim.write(result, str(tmp_path))
    assert (tmp_path / "latent_dim_mnist.png").exists()
    assert "Trained: MagNet D=4 2 epochs; AE-GAN+rs D=4 3 epochs." in (tmp_path / "latent_dim_mnist.md").read_text()


@pytest.mark.eager
def test_reconstruction_check_compares_networks_on_the_same_images(workdir, tmp_path):
    """evaluate.reconstruction: each AE-GAN's mean ||G(F(x)) - x||^2 on the same images and its ratio to
    the first; a network passes at most max_ratio times the reference's, and bad input exits 2."""
    import os

    import evaluate.reconstruction

    aegan = os.path.join(workdir[5], "aegan")
    common = workdir[:4] + ["--split", "test", "--n", "6", "--out", str(tmp_path)]
    result = evaluate.reconstruction.main(common + ["--folders", f"ref={aegan},same={aegan}", "--max-ratio", "0.9"])
    ref, same = result["rows"]
    assert ref["mean"] > 0 and same["mean"] == pytest.approx(ref["mean"]) and ref["ci"][0] <= ref["mean"] <= ref["ci"][1]
    assert same["ratio"] == pytest.approx(1.0) and same["passed"] is False  # 1x is more than 0.9x
    assert "**no**" in (tmp_path / "reconstruction_mnist.md").read_text()
    for bad in (["--folders", f"ref={aegan}"], ["--folders", f"ref={aegan},other={tmp_path}/none"]):
        with pytest.raises(SystemExit) as e:
            evaluate.reconstruction.main(common + bad)
        assert e.value.code == 2


@pytest.mark.eager
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
def test_defensegan_convergence_scores_each_snapshot_once_and_applies_its_rule(with_baselines, tmp_path):
    """evaluate.defensegan_convergence: every snapshot's projection error and gray-box FGSM accuracy on the
    same validation images; the rule (the previous snapshot inside both 95% intervals, at least
    min_iterations) picks the first converged one; a rerun scores only new snapshots."""
    import shutil

    import evaluate.defensegan_convergence
    from tf_aegan.studies.defensegan_convergence import converged

    work = with_baselines[with_baselines.index("--workdir") + 1]
    run = tmp_path / "dgan"
    shutil.copytree(os.path.join(work, "defensegan"), run)
    (run / "snapshots").mkdir(exist_ok=True)
    for it in (2, 4):  # the same generator twice: the rule must see no change
        shutil.copy(run / "decoder.keras", run / "snapshots" / f"decoder_{it}.keras")
    data = with_baselines[:4]
    argv = data + ["--folder", str(run), "--classifier-workdir", work, "--n", "4", "--steps", "2", "--restarts", "1",
                   "--min-iterations", "4", "--out", str(tmp_path / "out")]
    result = evaluate.defensegan_convergence.main(argv)
    assert [r["iterations"] for r in result["rows"]] == [2, 4] and result["converged_at"] == 4
    assert result["rows"][0]["recon"]["mean"] == pytest.approx(result["rows"][1]["recon"]["mean"])
    assert (tmp_path / "out" / "defensegan_convergence_mnist.png").exists()
    again = evaluate.defensegan_convergence.main(argv)  # resumes: nothing scored again
    assert [r["seconds"] for r in again["rows"]] == [r["seconds"] for r in result["rows"]]
    far = [{"iterations": i, "recon": {"mean": m, "ci": [m - 0.01, m + 0.01]},
            "fgsm": {"accuracy": 0.3, "ci": [0.25, 0.35]}} for i, m in ((10, 0.5), (20, 0.3), (40, 0.29))]
    assert converged(far, 20) is far[2] and converged(far, 50) is None
    with pytest.raises(SystemExit) as e:  # a run without snapshots
        evaluate.defensegan_convergence.main(data + ["--folder", str(tmp_path), "--out", str(tmp_path / "o")])
    assert e.value.code == 2


def test_table8_finds_each_latent_size_by_name_or_by_the_shipped_folders_config(tmp_path):
    """After Ours became the latent-20 network (weights/<dataset>/aegan), the latent-128 one lives in aegan_z128."""
    from tf_aegan.studies.latent_dim import folder

    def net(name, dim):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps({"latent_dim": dim}))

    net("aegan", 20)
    net("aegan_z128", 128)
    net("magnet", 128)
    assert folder("aegan", 20, str(tmp_path)) == "aegan" and folder("aegan", 128, str(tmp_path)) == "aegan_z128"
    assert folder("magnet", 128, str(tmp_path)) == "magnet" and folder("magnet", 20, str(tmp_path)) == "magnet_z20"
    assert folder("aegan", 128) == "aegan" and folder("aegan", 20) == "aegan_z20"  # no work directory: the names
