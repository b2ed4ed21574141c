"""What a new user meets at the command line: clean output, one-line errors, Ctrl-C."""

import json
import os
import subprocess
import sys

import pytest

from tf_aegan import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_tensorflow_start_up_and_float16_networks_print_no_noise(tmp_path):
    """oneDNN notices and 'failed call to cuInit' ignore TF_CPP_MIN_LOG_LEVEL; tf_aegan silences them. Shipped
    networks are stored in float16, where oneDNN says once that it lacks AVX-512 half support: silenced too."""
    import keras

    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, dtype="float16")])
    net.save(tmp_path / "half.keras")
    code = ("import numpy as np, tf_aegan, tensorflow as tf; from tf_aegan import store; "
            "print(float(tf.constant(1.0) + 1)); "
            f"m = store.load_keras({str(tmp_path / 'half.keras')!r}, 'net'); print(np.asarray(m(np.ones((1, 4), 'float32'))).dtype)")
    env = {k: v for k, v in os.environ.items() if k != "TF_AEGAN_TF_LOGS"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and proc.stdout.split() == ["2.0", "float32"], proc.stderr
    for noise in ("oneDNN", "cuInit", "cuda", "absl::InitializeLog", "DT_HALF"):
        assert noise not in proc.stderr, proc.stderr


def test_an_unwritable_out_is_one_line_and_exit_2(capsys):
    @cli.exits_cleanly
    def main(argv=None):
        os.makedirs("/proc/tf_aegan_cannot_be_here")

    with pytest.raises(SystemExit) as e:
        main([])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.startswith("error: cannot use /proc/tf_aegan_cannot_be_here")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_ctrl_c_is_one_line_and_exit_130(capsys):
    @cli.exits_cleanly
    def main(argv=None):
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as e:
        main([])
    err = capsys.readouterr().err
    assert e.value.code == 130 and "interrupted" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_empty_batch_message_names_the_shape():
    import numpy as np

    from tf_aegan.purify.validate import check_images

    with pytest.raises(ValueError, match=r"the batch is empty \(shape \(0, 28, 28, 1\)\)"):
        check_images(np.zeros((0, 28, 28, 1), np.float32), (28, 28, 1))


def test_progress_is_plain_lines_in_a_log_file():
    import io

    from tf_aegan.progress import Progress

    log = io.StringIO()  # not a terminal
    bar = Progress(100, "image", stream=log, label="fgsm")
    for _ in range(20):
        bar.add(5)
    lines = log.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("fgsm: 100/100 images")
    assert "\x1b" not in log.getvalue() and "\r" not in log.getvalue()


def test_config_file_gives_defaults_that_flags_override(tmp_path, monkeypatch):
    """--config FILE.json (configs/...): its values are the defaults, a flag overrides one of them, and a
    run records the recipe and its hash in config.json."""
    from tf_aegan.train.runner import prepare_workdir

    p = cli.parser("prog", "d")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--eps", default="0.3")
    p.add_argument("--loss", default="pgd", choices=("pgd", "trades"))
    p.add_argument("--folder", action="append", default=[])
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"_what": "a comment", "epochs": "7", "eps": [0.1, 0.3], "loss": "trades",
                               "folder": ["a=b"]}))
    args = p.parse_args(["--config", str(cfg)])
    assert (args.epochs, args.eps, args.loss, args.folder) == (7, "0.1,0.3", "trades", ["a=b"])
    assert p.parse_args(["--config", str(cfg), "--epochs", "3"]).epochs == 3
    recipe = os.environ[cli.RECIPE_ENV]
    assert recipe == f"{cfg} {cli.config_hash(str(cfg))}"
    run = prepare_workdir(str(tmp_path / "run"), {"kind": "x"}, ("kind",))
    assert run["recipe"] == str(cfg) and run["recipe_sha256"] == cli.config_hash(str(cfg))
    cli.parser("prog", "d").parse_args([])  # a command run without --config records no recipe
    assert cli.RECIPE_ENV not in os.environ
    for bad in ({"epoch": 3}, {"loss": "madry"}, {"epochs": "many"}, [1, 2]):
        cfg.write_text(json.dumps(bad))
        with pytest.raises(SystemExit) as e:
            cli.parser("prog", "d").parse_args(["--config", str(cfg)]) if bad == [1, 2] else p.parse_args(
                ["--config", str(cfg)])
        assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        p.parse_args(["--config", str(tmp_path / "missing.json")])
    assert e.value.code == 2


def test_shipped_networks_name_a_recipe_that_exists():
    """The manifest's command for each network trained from a recipe runs the recipe's stages from scratch
    (the shipped AE-GAN+r's two; the adversarially trained A's three, found through init_from), and the
    recipe's hash is the committed file's."""
    with open(os.path.join(ROOT, "weights", "fashion_mnist", "manifest.json")) as f:
        manifest = json.load(f)
    # Ours (the latent-20 network) in one stage; the latent-128 one it replaced in two
    stages_of = {"aegan/encoder.keras": 1, "aegan_z128/encoder.keras": 2, "classifier_A_advtr/classifier.keras": 3}
    for name, entry in manifest["networks"].items():
        if not entry.get("recipe"):
            continue
        assert entry["recipe_sha256"] == cli.config_hash(os.path.join(ROOT, entry["recipe"])), name
        stages = entry["command"].split(" && ")
        assert stages[-1].endswith(f" --config {entry['recipe']}") and len(stages) == stages_of.get(name, len(stages))
        first = cli.load_config(os.path.join(ROOT, stages[0].split("--config ")[1]))
        assert "init_from" not in first, name  # the first stage starts from scratch
    assert set(stages_of) <= {n for n, e in manifest["networks"].items() if e.get("recipe")}


@pytest.mark.parametrize("path", sorted(
    os.path.relpath(os.path.join(d, f), ROOT) for d, _, fs in os.walk(os.path.join(ROOT, "configs"))
    for f in fs if f.endswith(".json")))
def test_every_config_is_accepted_by_its_command(path, capsys):
    """Each config (configs/...) names its command ("_command", or the manifest's train module for a
    network's recipe) and holds only options that command takes."""
    import importlib

    values = json.load(open(os.path.join(ROOT, path)))
    if "recipes" in values:  # a queue (configs/queues/): every recipe it lists exists and names its command
        from tf_aegan.recipes import steps

        assert steps(os.path.join(ROOT, path)) and all(os.path.isfile(os.path.join(ROOT, s)) for s in values["recipes"])
        return
    command = values.get("_command", "python -m train.aegan" if "networks" in path else None)
    assert command and command.startswith("python -m "), path
    module = importlib.import_module(command.split()[2])
    with pytest.raises(SystemExit) as e:
        module.main(["--config", os.path.join(ROOT, path), "--help"])
    assert e.value.code == 0, capsys.readouterr().err


def test_the_shipped_network_says_its_whole_length():
    """The main job's `trained` row: Ours' 60 epochs; the latent-128 AE-GAN+r's 60 over its recipe's two
    stages, not the 49 of its last run."""
    from tf_aegan.methods import training_length

    assert training_length(os.path.join(ROOT, "weights", "fashion_mnist", "aegan")) == "60 epochs"
    said = training_length(os.path.join(ROOT, "weights", "fashion_mnist", "aegan_z128"))
    assert said == "60 epochs (2 stages: configs/networks/fashion_mnist/aegan.json)"
    # the adversarially trained A: 15 + 7 + 10 epochs, its stages found through init_from
    said = training_length(os.path.join(ROOT, "weights", "fashion_mnist", "classifier_A_advtr"))
    assert said == "32 epochs (3 stages: configs/networks/fashion_mnist/advtr_eps0.3_pgd7_long.json)"


def test_graph_optimizer_setting_is_read_from_the_environment(monkeypatch):
    """TF_AEGAN_GRAPH_OPTIMIZER=off (the suite's setting, conftest) turns Grappler off; anything but on/off is refused."""
    import types

    import tensorflow as tf

    from tf_aegan import configure_graph_optimizer

    assert tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer") is True  # this process
    calls = []
    fake = types.SimpleNamespace(config=types.SimpleNamespace(optimizer=types.SimpleNamespace(
        set_experimental_options=calls.append)))
    monkeypatch.setenv("TF_AEGAN_GRAPH_OPTIMIZER", "on")
    configure_graph_optimizer(fake)
    assert calls == []
    monkeypatch.setenv("TF_AEGAN_GRAPH_OPTIMIZER", "off")
    configure_graph_optimizer(fake)
    assert calls == [{"disable_meta_optimizer": True}]
    monkeypatch.setenv("TF_AEGAN_GRAPH_OPTIMIZER", "fast")
    with pytest.raises(ValueError, match="TF_AEGAN_GRAPH_OPTIMIZER must be 'on' or 'off', got 'fast'"):
        configure_graph_optimizer(fake)
