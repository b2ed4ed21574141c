import json

import pytest

from tf_aegan.studies.noise import pick, run_dirs


def row(run, clean, gray):
    return {"run": run, "clean_search": {"accuracy": clean}, "gray_search": {"accuracy": gray}}


def test_rule_picks_highest_gray_among_clean_enough():
    rows = [row("eta0.3", 0.90, 0.25), row("eta1.0", 0.86, 0.45), row("eta2.0", 0.78, 0.55)]
    assert pick(rows, 0.83) == "eta1.0"  # eta2.0 is more robust but below the clean floor
    assert pick(rows, 0.70) == "eta2.0"
    assert pick(rows, 0.95) is None


def test_run_dirs_lists_trained_runs_and_explains_an_empty_root(tmp_path):
    with pytest.raises(ValueError, match="no study folder"):
        run_dirs(str(tmp_path / "missing"))
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "encoder.keras").write_text("")
    with pytest.raises(ValueError, match="holds no trained run"):
        run_dirs(str(tmp_path))
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        for f in ("encoder.keras", "decoder.keras"):
            (tmp_path / name / f).write_text("")
        (tmp_path / name / "config.json").write_text(json.dumps({"noise_eta": 1.0}))
    assert [p.split("/")[-1] for p in run_dirs(str(tmp_path))] == ["a", "b"]


def test_adversarial_noise_runs_are_never_the_papers_pick():
    rows = [row("eta1.0", 0.86, 0.45), {**row("adv", 0.88, 0.70), "noise": "adversarial"}]
    assert pick(rows, 0.83) == "eta1.0"


def test_explicit_runs_are_checked_one_by_one(tmp_path):
    from tf_aegan.studies.noise import _checked_run

    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "encoder.keras").write_text("")
    with pytest.raises(ValueError, match="lacks decoder.keras, config.json"):
        _checked_run(str(tmp_path / "half"))
    (tmp_path / "half" / "decoder.keras").write_text("")
    (tmp_path / "half" / "config.json").write_text("{}")
    assert _checked_run(str(tmp_path / "half")) == str(tmp_path / "half")
