"""The benchmarks (bench/) on tiny networks: one test per benchmark, so the two test workers share them."""

import pytest


def test_purify_benchmark(workdir):
    import bench.purify

    figures = bench.purify.main(workdir + ["--batch", "6", "--repeats", "1", "--steps", "2", "--dgan-steps", "2",
                                           "--dgan-restarts", "2"])
    assert figures["defensegan_over_ours"] > 0 and 0 <= figures["gated_flagged_clean"] <= 6


@pytest.mark.slow(17)  # seconds on one idle core: run longest first
def test_serving_benchmark(workdir, tmp_path):
    import bench.serving

    served = bench.serving.main(workdir + ["--batch", "8", "--single", "1", "--repeats", "1", "--requests", "2",
                                           "--out", str(tmp_path)])
    assert served["max_abs_diff_clean"] < 1e-4 and served["max_abs_diff_fgsm"] < 1e-4
    cells = {(r["model"], r["batch"], r["adversarial_share"]) for r in served["mixed"]}
    assert len(cells) == 2 * 3 * 4 and all(r["p99_ms"] >= r["p50_ms"] > 0 for r in served["mixed"])
    assert (tmp_path / "serving_mnist.png").exists()


@pytest.mark.slow(12)  # seconds on one idle core: run longest first
def test_training_benchmark(idx_dir):
    import bench.training

    common = ["--dataset", "mnist", "--data-dir", idx_dir, "--batch", "4", "--steps", "1", "--repeats", "1"]
    speeds = bench.training.main(common + ["--trainers", "aegan,magnet"])  # the trainers themselves: test_baselines
    assert set(speeds) == {"aegan", "magnet"}
    assert all(r["seconds_per_step"] > 0 and r["full_length_steps"] > 0 for r in speeds.values())
    with pytest.raises(SystemExit) as e:
        bench.training.main(common + ["--trainers", "aegan,gan"])
    assert e.value.code == 2
