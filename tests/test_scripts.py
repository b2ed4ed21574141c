"""The shell helpers that carry unfinished work across machines."""
import os
import shutil
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_commit_cache_stages_predictions_not_adversarial_images(tmp_path):
    """A stopped table run's prediction batches are staged (ignored by .gitignore otherwise); its
    adversarial images, large and quick to remake, are not."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "scripts", "commit_cache.sh"), repo / "scripts")
    shutil.copy(os.path.join(ROOT, ".gitignore"), repo)
    cache = repo / "results" / "run" / ".cache_blackbox_fashion_mnist_0123456789ab"
    cache.mkdir(parents=True)
    for name in ("pred_blackB_defensegan_abc.0", "clean_defensegan_abc.0", "blackB.0", "pred_blackB_defensegan_abc.1.tmp"):
        np.save(cache / f"{name}.npy", np.zeros(3))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
    done = subprocess.run(["bash", "scripts/commit_cache.sh", "results/run"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    staged = subprocess.run(git + ["diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True).stdout.split()
    assert sorted(os.path.basename(p) for p in staged) == ["clean_defensegan_abc.0.npy", "pred_blackB_defensegan_abc.0.npy"]
    empty = subprocess.run(["bash", "scripts/commit_cache.sh", "results"], cwd=repo, capture_output=True, text=True)
    assert "no cache folder" in empty.stderr
    # evaluate.adaptive's cache: every mask batch and a batch's finished AutoAttack units
    adaptive = repo / "results" / "aa" / ".cache_adaptive_fashion_mnist_0123456789ab"
    adaptive.mkdir(parents=True)
    for name in ("A|autoattack|0.1.0.npy", "A|autoattack|0.1.1.part.pgd.apgd-ce.0.0.npz", "A|pgd|0.1.0.npy.tmp.npy"):
        (adaptive / name).write_bytes(b"x")
    subprocess.run(["bash", "scripts/commit_cache.sh", "results/aa"], cwd=repo, check=True, capture_output=True)
    staged = subprocess.run(git + ["diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True).stdout
    assert "A|autoattack|0.1.0.npy" in staged and "apgd-ce.0.0.npz" in staged and ".tmp" not in staged
