import json

import pytest

import evaluate.classifiers


def _fake_run(folder, init, seed, correct, val):
    (folder / "classifier_A").mkdir(parents=True)
    (folder / "classifier_A" / "config.json").write_text(json.dumps({"arch": "A", "init": init, "seed": seed}))
    metrics = {"test_accuracy": correct / 100, "ci95": [0.5, 0.99], "n": 100, "best_val_epoch": 2,
               "history": {"val_accuracy": val}}
    (folder / "classifier_A" / "metrics.json").write_text(json.dumps(metrics))


def test_classifier_runs_are_tabulated_and_plotted(tmp_path, capsys):
    _fake_run(tmp_path / "a", "unit_norm", 0, 91, [0.8, 0.9, 0.85])
    _fake_run(tmp_path / "b", "glorot", 1, 88, [0.7, 0.75, 0.8])
    runs = evaluate.classifiers.main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "out")])
    assert [r["init"] for r in runs] == ["unit_norm", "glorot"]
    out = capsys.readouterr().out
    assert "| unit_norm | rate | 0 | 0.9100 [0.5000, 0.9900] | 100 | 2 (0.9000) |" in out
    assert "| glorot | rate | 1 | 0.8800" in out and "2 (0.7500)" in out
    assert (tmp_path / "out" / "classifier_A_runs.png").stat().st_size > 1000


def test_missing_run_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        evaluate.classifiers.main([str(tmp_path / "nothing"), "--out", str(tmp_path)])
    assert e.value.code == 2 and "holds no finished classifier A run" in capsys.readouterr().err
