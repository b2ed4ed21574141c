import json
import os
import subprocess
import sys

import h5py
import pytest

import train.aegan
import train.classifier
from tf_aegan.train import jobs
from tf_aegan.train.jobs import read_history
from tf_aegan.train.runner import completed_epochs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--dataset", "mnist", "--batch-size", "16", "--max-examples", "32", "--latent-dim", "8", "--verbose", "2"]


def test_classifier_cli_trains_and_reports(idx_dir, tmp_path, capsys):
    result = train.classifier.main(["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path),
                                    "--epochs", "3", "--batch-size", "16", "--verbose", "0"])
    assert result["n"] == 40 and result["epochs"] == 3
    assert result["test_accuracy"] > 0.2  # chance is 0.1; the tiny images are learnable
    with open(tmp_path / "classifier_A" / "metrics.json") as f:
        assert json.load(f)["test_accuracy"] == result["test_accuracy"]
    assert "test accuracy" in capsys.readouterr().out


@pytest.mark.slow(18)  # seconds on one idle core: run longest first
def test_aegan_resumes_after_kill_without_losing_an_epoch(idx_dir, tmp_path, monkeypatch, capsys):
    args = TINY + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "3"]
    def killed_in_the_third(self, epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt("killed")

    monkeypatch.setattr(jobs.SaveNetworks, "on_epoch_begin", killed_in_the_third)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:  # Ctrl-C: one line saying what is kept, exit 130, no traceback
        train.aegan.main(args)
    err = capsys.readouterr().err
    assert e.value.code == 130 and "interrupted" in err and "Traceback" not in err
    folder = tmp_path / "aegan_z8"
    assert completed_epochs(folder) == 2
    assert (folder / "decoder.keras").exists()

    monkeypatch.undo()
    result = train.aegan.main(args)
    out = capsys.readouterr().out
    assert "Epoch 3/3" in out and "Epoch 1/3" not in out and "Epoch 2/3" not in out
    assert result["epochs"] == 3
    # The killed run wrote no metrics.json; its two epochs' times are kept in epoch_seconds.csv.
    assert result["seconds_total"] == jobs.training_seconds(folder) > 0
    assert len((folder / "epoch_seconds.csv").read_text().splitlines()) == 1 + 3
    history = read_history(folder)
    assert len(history["recon_loss"]) == 3
    with h5py.File(folder / "backup" / "latest.weights.h5") as f:
        iterations = int(f["e_optimizer"]["vars"]["0"][()])
    assert iterations == 3 * 2  # optimizer state survived the kill: 2 steps an epoch, 3 epochs
    assert (folder / "reconstructions.png").exists() and (folder / "losses.png").exists()


def test_workdir_of_another_architecture_is_refused(idx_dir, tmp_path, capsys):
    base = ["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "1",
            "--batch-size", "16", "--max-examples", "16", "--verbose", "0", "--name", "mine"]
    folder = tmp_path / "mine"  # what a latent-8 run of this data leaves in its config.json
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"kind": "aegan", "dataset": "mnist", "image_shape": [28, 28, 1],
                                                    "latent_dim": 8, "adversarial": True}))
    with pytest.raises(SystemExit) as e:
        train.aegan.main(base + ["--latent-dim", "16"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "another architecture" in err and "latent_dim=8 there, 16 asked" in err


def test_classifier_workdir_from_before_the_init_option_counts_as_glorot(idx_dir, tmp_path, capsys):
    folder = tmp_path / "classifier_A"
    folder.mkdir()
    old = {"kind": "classifier", "dataset": "mnist", "arch": "A", "image_shape": [28, 28, 1], "num_classes": 10}
    (folder / "config.json").write_text(json.dumps(old))
    with pytest.raises(SystemExit) as e:
        train.classifier.main(["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path),
                               "--init", "unit_norm", "--epochs", "1", "--verbose", "0"])
    assert e.value.code == 2 and "init='glorot' there, 'unit_norm' asked" in capsys.readouterr().err


def test_bad_input_gives_clear_errors(idx_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        train.aegan.main(["--dataset", "cifar10"])
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err
    os.remove(os.path.join(idx_dir, "train-images-idx3-ubyte.gz"))
    with pytest.raises(SystemExit) as e:
        train.classifier.main(["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path)])
    assert e.value.code == 2 and "holds no mnist data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.classifier.main(["--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere")])
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow(30)  # seconds on one idle core: run longest first
def test_mirrored_strategy_on_two_logical_cpus(idx_dir, tmp_path):
    cmd = [sys.executable, "-m", "train.aegan", *TINY, "--data-dir", idx_dir, "--workdir", str(tmp_path),
           "--epochs", "1", "--strategy", "mirrored", "--logical-cpus", "2"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "MirroredStrategy over 2 devices" in proc.stdout
    assert completed_epochs(tmp_path / "aegan_z8") == 1


@pytest.mark.slow(47)  # seconds on one idle core: run longest first
def test_celeba_code_path_trains_on_a_tiny_folder(celeba_dir, tmp_path):
    result = train.aegan.main(["--dataset", "celeba", "--data-dir", celeba_dir, "--workdir", str(tmp_path),
                               "--epochs", "1", "--batch-size", "3", "--latent-dim", "8", "--verbose", "0"])
    assert result["epochs"] == 1
    with open(tmp_path / "aegan_z8" / "config.json") as f:
        assert json.load(f)["image_shape"] == [64, 64, 3]
    clf = train.classifier.main(["--dataset", "celeba", "--data-dir", celeba_dir, "--workdir", str(tmp_path),
                                 "--epochs", "1", "--batch-size", "3", "--verbose", "0"])
    assert clf["n"] == 3 and 0 <= clf["test_accuracy"] <= 1


@pytest.mark.slow(10)  # seconds on one idle core: run longest first
def test_fresh_clone_resumes_from_committed_networks(idx_dir, tmp_path, capsys, tiny_networks_once):
    """What git keeps of a run (networks incl. D, config, history; not backup/) resumes at the next epoch."""
    import shutil

    repo, clone = tmp_path / "repo", tmp_path / "clone"
    repo.mkdir()
    shutil.copy(os.path.join(ROOT, ".gitignore"), repo / ".gitignore")
    # a run of one epoch with everything it leaves (backup/, tensorboard/): the once-trained tiny AE-GAN
    shutil.copytree(tiny_networks_once[0] / "w" / "aegan", repo / "study" / "fashion_mnist" / "r")
    args = TINY + ["--data-dir", idx_dir, "--name", "r", "--epochs"]
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True).stdout
    # the networks and history are what a fresh clone resumes from; the optimizer backup and logs stay local
    assert "history.csv" in staged and "r/discriminator.keras" in staged
    assert "backup" not in staged and "tensorboard" not in staged
    subprocess.run(git + ["commit", "-qm", "run"], cwd=repo, check=True)
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    folder = clone / "study" / "fashion_mnist" / "r"
    assert not (folder / "backup").exists() and (folder / "discriminator.keras").exists()
    committed = [w.copy() for w in jobs.store.load_keras(str(folder / "encoder.keras"), "encoder").get_weights()]
    capsys.readouterr()
    result = train.aegan.main(args + ["2", "--workdir", str(clone / "study" / "fashion_mnist")])
    out = capsys.readouterr().out
    assert "resuming from its committed networks after epoch 1" in out
    assert "Epoch 2/2" in out and "Epoch 1/2" not in out
    assert result["epochs"] == 2 and len(read_history(folder)["recon_loss"]) == 2
    trained = jobs.store.load_keras(str(folder / "encoder.keras"), "encoder").get_weights()
    assert any(not (a == b).all() for a, b in zip(committed, trained))


def test_init_from_starts_from_given_networks_and_refuses_misfits(idx_dir, tmp_path, capsys, tiny_networks_once):
    base = TINY + ["--data-dir", idx_dir, "--epochs", "1"]
    source = tiny_networks_once[0] / "w" / "aegan"  # a latent-8 AE-GAN (only read)
    capsys.readouterr()
    train.aegan.main(base + ["--workdir", str(tmp_path / "b"), "--init-from", str(source), "--noise-eta", "1.0",
                             "--noise-schedule", "fixed"])
    assert "starting from encoder, decoder, discriminator" in capsys.readouterr().out
    with open(tmp_path / "b" / "aegan_z8" / "config.json") as f:
        config = json.load(f)
    assert config["noise_eta"] == 1.0 and config["noise_schedule"] == "fixed" and config["init_from"] == str(source)
    with pytest.raises(SystemExit) as e:
        train.aegan.main(TINY[:-4] + ["--latent-dim", "16", "--verbose", "0", "--data-dir", idx_dir, "--epochs", "1",
                                      "--workdir", str(tmp_path / "c"), "--init-from", str(source)])
    assert e.value.code == 2 and "does not fit the encoder" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--epochs", "--max-examples"])
def test_zero_epochs_or_examples_is_an_error_not_a_workdir(idx_dir, tmp_path, capsys, flag):
    args = ["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path / "w"), "--verbose", "0"]
    with pytest.raises(SystemExit) as e:
        train.aegan.main(args + ["--epochs", "1", flag, "0"] if flag != "--epochs" else args + [flag, "0"])
    assert e.value.code == 2 and "must be at least 1, got 0" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_adversarial_noise_trains_against_a_given_classifier(idx_dir, tmp_path):
    train.classifier.main(["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "1",
                           "--batch-size", "16", "--verbose", "0"])
    result = train.aegan.main(TINY + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "1",
                                      "--noise", "adversarial", "--noise-classifier",
                                      str(tmp_path / "classifier_A" / "classifier.keras")])
    assert result["name"] == "aegan_z8_advnoise" and result["epochs"] == 1
    with open(tmp_path / "aegan_z8_advnoise" / "config.json") as f:
        assert json.load(f)["noise"] == "adversarial"


def test_mixed_bfloat16_trains_and_saves_float32_networks(idx_dir, tmp_path):
    import keras

    result = train.aegan.main(TINY + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "1",
                                      "--precision", "mixed_bfloat16"])
    assert result["epochs"] == 1 and all(v == v for v in result["final"].values())  # no NaN
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    for name in ("encoder", "decoder", "discriminator"):
        net = jobs.store.load_keras(str(tmp_path / "aegan_z8" / f"{name}.keras"), name)
        assert {layer.dtype_policy.name for layer in net.layers} == {"float32"}
        assert net.compute_dtype == "float32"
    with pytest.raises(SystemExit):
        train.aegan.main(TINY + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--precision", "float8"])


def test_a_truncated_backup_falls_back_out_loud_without_duplicate_history(idx_dir, tmp_path, capsys):
    import csv

    base = ["--dataset", "mnist", "--data-dir", idx_dir, "--workdir", str(tmp_path), "--batch-size", "16",
            "--max-examples", "32", "--verbose", "2"]
    train.classifier.main(base + ["--epochs", "2"])
    folder = tmp_path / "classifier_A"
    weights = folder / "backup" / "latest.weights.h5"
    weights.write_bytes(weights.read_bytes()[:100])  # a checkpoint cut short (a killed write, a full disk)
    capsys.readouterr()
    train.classifier.main(base + ["--epochs", "3"])
    out = capsys.readouterr().out
    assert "the latest checkpoint is unreadable" in out and "resuming from the one before, after epoch 1" in out
    with open(folder / "history.csv") as f:
        epochs = [int(r["epoch"]) for r in csv.DictReader(f)]
    assert epochs == [0, 1, 2]


def test_a_workdir_under_missing_folders_says_it_creates_them(tmp_path, capsys):
    from tf_aegan.train.runner import prepare_workdir

    target = tmp_path / "new" / "deeper" / "run"
    prepare_workdir(str(target), {"kind": "x"}, ("kind",))
    out = capsys.readouterr().out
    assert f"creating {target}" in out and str(tmp_path / "new") in out
    prepare_workdir(str(tmp_path / "new" / "deeper" / "other"), {"kind": "x"}, ("kind",))
    assert "creating" not in capsys.readouterr().out  # its parent exists: nothing to say


@pytest.mark.eager  # train.aegan's graph: test_aegan_resumes_after_kill_without_losing_an_epoch
def test_a_run_from_a_config_records_its_recipe_and_a_rerun_keeps_its_time(idx_dir, tmp_path):
    """train.aegan --config FILE trains with the file's options (a flag overrides one) and its config.json
    names the recipe and its hash, which export.weights turns into the manifest's command."""
    from export.weights import _command
    from tf_aegan import cli

    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"_command": "python -m train.aegan", "dataset": "mnist", "batch_size": 16,
                                  "max_examples": 32, "latent_dim": 8, "epochs": 3, "name": "r", "verbose": 0}))
    result = train.aegan.main(["--config", str(recipe), "--data-dir", idx_dir, "--workdir", str(tmp_path),
                               "--epochs", "1"])
    assert result["epochs"] == 1
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["latent_dim"] == 8 and config["recipe"] == str(recipe)
    assert config["recipe_sha256"] == cli.config_hash(str(recipe))
    assert _command(str(tmp_path / "r"), config).startswith(f"python -m train.aegan --config {recipe}")
    # Rerunning the finished run trains nothing and keeps its training time; one more epoch adds its own.
    first, folder, args = result, tmp_path / "r", ["--config", str(recipe), "--data-dir", idx_dir, "--workdir", str(tmp_path)]
    assert first["seconds_this_run"] > 0 and first["seconds_total"] == jobs.training_seconds(folder) > 0
    again = train.aegan.main(args + ["--epochs", "1"])
    assert again["seconds_this_run"] == first["seconds_this_run"]
    assert json.loads((folder / "metrics.json").read_text())["seconds_total"] == first["seconds_total"]
    longer = train.aegan.main(args + ["--epochs", "2"])
    assert longer["epochs"] == 2 and longer["seconds_this_run"] > 0
    assert longer["seconds_total"] == jobs.training_seconds(folder) > first["seconds_total"]
    # This run's time is its own epoch's, never more than the total (start-up counts in neither).
    assert first["seconds_this_run"] == first["seconds_total"]
    assert 0 < longer["seconds_this_run"] < longer["seconds_total"]
    assert longer["seconds_this_run"] == pytest.approx(longer["seconds_total"] - first["seconds_total"], abs=0.2)
