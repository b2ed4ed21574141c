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
    # one trainer in both precisions (the trainers themselves: test_baselines; the AE-GAN's step: bench.precision)
    speeds = bench.training.main(common + ["--trainers", "magnet"])
    assert set(speeds) == {"magnet"}
    assert all(min(r["seconds_per_step"].values()) > 0 and r["full_length_steps"] > 0 for r in speeds.values())
    assert all(set(r["seconds_per_step"]) == {"float32", "mixed_bfloat16"} and r["speedup_bf16"] > 0 for r in speeds.values())
    for bad in (["--trainers", "aegan,gan"], ["--precisions", "float16"]):
        with pytest.raises(SystemExit) as e:
            bench.training.main(common + bad)
        assert e.value.code == 2
