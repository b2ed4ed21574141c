"""Each baseline trainer runs on tiny data, saves its networks, resumes, and loads as a defense whose
purifier returns images of the input's shape in [0, 1]."""

import importlib
import json
import os
import shutil

import numpy as np
import pytest

import train.advtrain
import train.bigan
import train.defensegan
import train.magnet
from tf_aegan.methods import MissingNetworks, load_method
from tf_aegan.train.jobs import read_history

from conftest import BASELINE_RUNS

COMMON = ["--dataset", "mnist", "--verbose", "2"]


@pytest.mark.slow(8)  # seconds on one idle core: run longest first
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
@pytest.mark.parametrize("name", list(BASELINE_RUNS))
def test_trainer_runs_saves_resumes_and_purifies(name, with_baselines, tmp_path, capsys, tiny_classifier):
    """The fixture ran each trainer's first epoch (conftest.BASELINE_RUNS); a copy resumes for the second."""
    command, options, folder, method = BASELINE_RUNS[name]
    work = with_baselines[with_baselines.index("--workdir") + 1]
    shutil.copytree(work, tmp_path, dirs_exist_ok=True)
    assert (tmp_path / folder / "config.json").exists() and (tmp_path / folder / "history.csv").exists()
    base = COMMON + ["--data-dir", with_baselines[with_baselines.index("--data-dir") + 1], "--workdir", str(tmp_path)]
    capsys.readouterr()
    result = importlib.import_module(command).main(base + options(2))
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "Epoch 1/2" not in out  # resumed, the first epoch not run again
    assert result["epochs"] == 2 and len(next(iter(read_history(tmp_path / folder).values()))) == 2
    assert json.loads(out.strip().splitlines()[-1])["epochs"] == 2
    if name == "defensegan":  # as its code builds them, and the convergence rule's snapshot of this run's epoch
        import keras

        gen = keras.saving.load_model(tmp_path / folder / "decoder.keras")
        critic = keras.saving.load_model(tmp_path / folder / "critic.keras")
        no_bn = lambda net: not any(isinstance(l, keras.layers.BatchNormalization) for l in net.layers)  # noqa: E731
        assert no_bn(gen) and no_bn(critic)  # USE_BN: False; the penalty is per image
        assert gen.input_shape == (None, 8) and gen.output_shape == (None, 28, 28, 1)
        config = json.loads((tmp_path / folder / "config.json").read_text())
        assert config["critic_steps"] == 5 and config["gp_weight"] == 10.0 and config["betas"] == [0.5, 0.9]
        assert os.listdir(tmp_path / folder / "snapshots") == ["decoder_4.keras"]  # iteration 2 ran before --snapshots
        snap = keras.saving.load_model(tmp_path / folder / "snapshots" / "decoder_4.keras")
        assert all(np.allclose(a, b) for a, b in zip(snap.get_weights(), gen.get_weights()))

    # The defense built from these networks: classifier A (tiny) is needed beside them.
    a, x, _ = tiny_classifier
    with pytest.raises(MissingNetworks):
        load_method(method, str(tmp_path / "empty"), "mnist", classifier=a)
    m = load_method(method, str(tmp_path), "mnist", classifier=a, dgan={"steps": 5, "restarts": 2})
    if method == "defensegan":  # the projection at a CPU-sized L and R
        assert (m.purifier.steps, m.purifier.restarts) == (5, 2)
    images = m.purifier(x[:5])
    assert images.shape == x[:5].shape
    assert float(np.min(images)) >= 0.0 and float(np.max(images)) <= 1.0
    if method == "advtr":
        assert m.classifier is not a and not m.has_gray
        assert np.allclose(images, x[:5])  # no purifier: the robust classifier gets the images as they are
    else:
        assert not np.allclose(images, x[:5], atol=1e-3)


def test_defensegan_snapshots_must_fall_on_checkpoints(idx_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        train.defensegan.main(COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--iterations", "4",
                                        "--iterations-per-epoch", "2", "--snapshots", "1,4"])
    assert e.value.code == 2 and "snapshots must be multiples of iterations_per_epoch=2" in capsys.readouterr().err
    assert not (tmp_path / "defensegan").exists()


def test_gradient_penalty_is_zero_for_a_unit_slope_critic():
    """Penalty (||grad D|| - 1)^2: a linear critic with unit-norm weights gets none, a steeper one does."""
    import keras
    import tensorflow as tf

    from tf_aegan.models import build_decoder
    from tf_aegan.train.wgan_gp import WGANGP

    def linear_critic(scale):
        inputs = keras.Input((28, 28, 1))
        dense = keras.layers.Dense(1, use_bias=False)
        out = dense(keras.layers.Flatten()(inputs))
        net = keras.Model(inputs, out)
        w = np.ones((784, 1), np.float32)
        dense.set_weights([scale * w / np.linalg.norm(w)])
        return net

    real = tf.random.uniform((4, 28, 28, 1), seed=0)
    fake = tf.random.uniform((4, 28, 28, 1), seed=1)
    gen = build_decoder((28, 28, 1), 8, batchnorm=False)
    assert float(WGANGP(gen, linear_critic(1.0), latent_dim=8).gradient_penalty(real, fake)) < 1e-6
    assert float(WGANGP(gen, linear_critic(3.0), latent_dim=8).gradient_penalty(real, fake)) == pytest.approx(4.0, rel=1e-4)


def test_adversarial_training_trains_on_pgd_examples():
    """A train step's loss is the loss on PGD examples: higher than on the clean batch."""
    import keras
    import tensorflow as tf

    from tf_aegan.train.advtrain import AdversarialTraining

    keras.utils.set_random_seed(0)
    clf = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model = AdversarialTraining(clf, eps=0.3, steps=5, step_size=0.1)
    model.compile(optimizer=keras.optimizers.SGD(0.0))  # learning rate 0: the step only measures
    x = tf.random.uniform((16, 28, 28, 1), seed=2)
    y = tf.argmax(clf(x), axis=-1)  # labels the classifier gets right
    logs = model.train_on_batch(x, y, return_dict=True)
    clean = float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, clf(x), from_logits=True)))
    assert logs["loss"] > clean + 0.1 and logs["adv_accuracy"] < 1.0
    with pytest.raises(ValueError, match="eps"):
        AdversarialTraining(clf, eps=0.0)


def test_bad_options_give_clear_errors(idx_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        train.defensegan.main(COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--max-examples", "5"])
    assert e.value.code == 2 and "does not take --max-examples" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        train.bigan.main(COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "0"])
    assert e.value.code == 2 and "epochs must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        train.advtrain.main(COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--eps", "1.5"])
    assert e.value.code == 2 and "eps must be in (0, 1], got 1.5" in capsys.readouterr().err
    assert not (tmp_path / "classifier_A_advtr").exists()  # refused before a work directory was made
    with pytest.raises(SystemExit) as e:
        train.magnet.main(COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--noise", "-1"])
    assert e.value.code == 2 and "noise must be >= 0" in capsys.readouterr().err


def test_bigan_discriminator_batchnorm_is_its_own_architecture(idx_dir, tmp_path, capsys):
    """A run folder of the plain joint D refuses --discriminator-batchnorm (its checkpoint could not load);
    a folder of its own trains it, and config.json records the choice and Adam's beta_2."""
    base = COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--epochs", "1", "--batch-size", "16",
                     "--max-examples", "16", "--latent-dim", "4"]
    (tmp_path / "bigan").mkdir()  # what a run of the plain joint D leaves in its config.json
    (tmp_path / "bigan" / "config.json").write_text(json.dumps(
        {"kind": "bigan", "dataset": "mnist", "image_shape": [28, 28, 1], "latent_dim": 4,
         "discriminator_batchnorm": False}))
    with pytest.raises(SystemExit) as e:
        train.bigan.main(base + ["--discriminator-batchnorm"])
    assert e.value.code == 2 and "discriminator_batchnorm=False there, True asked" in capsys.readouterr().err
    train.bigan.main(base + ["--discriminator-batchnorm", "--beta-2", "0.001", "--name", "bigan_bn"])
    config = json.loads((tmp_path / "bigan_bn" / "config.json").read_text())
    assert config["discriminator_batchnorm"] is True and config["beta_2"] == 0.001
    import keras

    d = keras.models.load_model(tmp_path / "bigan_bn" / "discriminator.keras", compile=False)
    assert [layer.__class__.__name__ for layer in d.layers].count("BatchNormalization") == 2


def test_adversarial_training_schedule_warmup_fgsm_rs_and_trades():
    import keras
    import tensorflow as tf

    from tf_aegan.train.advtrain import AdversarialTraining, EpsWarmup, lr_at

    assert [lr_at("piecewise", 1.0, e, 8) for e in range(8)] == [1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01]
    assert lr_at("cosine", 1.0, 0, 10) == pytest.approx(1.0) and lr_at("cosine", 1.0, 10, 10) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="lr schedule"):
        lr_at("step", 1.0, 0, 1)
    keras.utils.set_random_seed(0)
    clf = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    x = tf.random.uniform((16, 28, 28, 1), seed=2)
    y = tf.argmax(clf(x), axis=-1)
    # FGSM with a random start: one step of 1.25 eps, still projected into the eps-ball
    fgsm_rs = AdversarialTraining(clf, eps=0.1, steps=1, step_size=0.125)
    adv = fgsm_rs.attack(x, y)
    assert float(tf.reduce_max(tf.abs(adv - x))) <= 0.1 + 1e-6 and float(tf.reduce_max(tf.abs(adv - x))) > 0.09
    # the warm-up ramps the training eps and scales the step with it; validation keeps the full eps
    warm = EpsWarmup(4)
    warm.set_model(fgsm_rs)
    warm.on_epoch_begin(0)
    assert float(fgsm_rs.train_eps) == pytest.approx(0.025)
    assert float(tf.reduce_max(tf.abs(fgsm_rs.attack(x, y) - x))) <= 0.025 + 1e-6
    warm.on_epoch_begin(5)
    assert float(fgsm_rs.train_eps) == pytest.approx(0.1)
    # TRADES: its loss adds beta * KL(f(x) || f(x')) to the clean cross-entropy, so it exceeds the CE
    trades = AdversarialTraining(clf, eps=0.3, steps=3, step_size=0.1, loss="trades", trades_beta=6.0)
    trades.compile(optimizer=keras.optimizers.SGD(0.0))
    logs = trades.train_on_batch(x, y, return_dict=True)
    clean = float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, clf(x), from_logits=True)))
    assert logs["loss"] > clean + 1e-3
    with pytest.raises(ValueError, match="loss"):
        AdversarialTraining(clf, loss="mart")


def test_adversarial_training_keeps_the_best_robust_epoch_and_stops_early(idx_dir, tmp_path):
    base = COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--batch-size", "16", "--max-examples", "32",
                     "--steps", "1", "--step-size", "0.375", "--val-steps", "2", "--lr-schedule", "piecewise",
                     "--name", "A_fgsm"]
    result = train.advtrain.main(base + ["--epochs", "6", "--patience", "1", "--lr", "0.0"])
    folder = tmp_path / "classifier_A_fgsm"
    history = read_history(folder)
    # lr 0: nothing improves after the first epoch, so patience 1 stops after the second
    assert len(history["val_adv_accuracy"]) == 2 and result["epochs"] == 2
    assert result["best_epoch"] == 1 + int(np.argmax(history["val_adv_accuracy"]))
    assert (folder / "classifier.keras").exists() and (folder / "classifier_last.keras").exists()
    assert history["learning_rate"] == [0.0, 0.0]


def test_advtrain_behind_a_purifier_takes_a_step_and_saves(idx_dir, tmp_path, capsys, tiny_networks_once):
    """Design 2 of the defended-classifier study: the classifier trained behind G(F(x)), the attack going
    through it; the run records its purifier, and its model's logits are classifier(G(F(x)))."""
    import keras

    from tf_aegan.train.advtrain import AdversarialTraining

    aegan = str(tiny_networks_once[0] / "w" / "aegan")
    base = COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--batch-size", "16", "--max-examples", "16",
                     "--steps", "1", "--step-size", "0.3", "--val-steps", "1", "--purifier", aegan, "--name", "behind"]
    result = train.advtrain.main(base + ["--epochs", "1"])  # resuming: as every trainer (and design 3's test)
    folder = tmp_path / "classifier_behind"
    assert json.loads((folder / "config.json").read_text())["purifier"] == aegan and result["epochs"] == 1
    clf = keras.saving.load_model(folder / "classifier.keras")
    enc, dec = (keras.saving.load_model(os.path.join(aegan, f"{n}.keras")) for n in ("encoder", "decoder"))
    front = lambda t: dec(enc(t, training=False), training=False)  # noqa: E731
    model = AdversarialTraining(clf, eps=0.3, steps=2, step_size=0.15, purifier=front)
    x = np.random.RandomState(0).rand(4, 28, 28, 1).astype(np.float32)
    assert np.allclose(model._logits(x), clf(front(x), training=False), atol=1e-5)
    assert not np.allclose(model._logits(x), clf(x, training=False), atol=1e-3)
    with pytest.raises(SystemExit) as e:  # a purifier folder without its networks
        train.advtrain.main(COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path / "x"), "--purifier",
                                      str(tmp_path / "nowhere")])
    assert e.value.code == 2


def test_dual_view_classifier_starts_as_its_source_and_resumes_in_bfloat16(idx_dir, tmp_path, capsys, tiny_networks_once):
    """Design 4: the classifier sees [x, G(F(x))], the frozen purifier inside it; --init-from a one-channel
    classifier starts it computing exactly that classifier (zero weights on G(F(x))); every saved file is the
    defense whole (images in, logits out, gradients through G(F(x))); a resume in bfloat16 saves float32 files."""
    import keras
    import tensorflow as tf

    root = tiny_networks_once[0] / "w"
    aegan, source = str(root / "aegan"), str(root / "classifier_A" / "classifier.keras")
    base = COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--batch-size", "16", "--max-examples", "16",
                     "--steps", "2", "--step-size", "0.15", "--val-steps", "1", "--purifier", aegan, "--dual-view",
                     "--init-from", source, "--name", "dual", "--lr", "0.0"]
    train.advtrain.main(base + ["--epochs", "1"])
    folder = tmp_path / "classifier_dual"
    assert json.loads((folder / "config.json").read_text())["dual_view"] is True
    x = np.random.RandomState(0).rand(4, 28, 28, 1).astype(np.float32)
    dual, alone = keras.saving.load_model(folder / "classifier.keras"), keras.saving.load_model(source)
    assert dual.input_shape[1:] == (28, 28, 1) and dual.layers[-1].input_shape[-1] == 2
    assert np.allclose(dual(x), alone(x), atol=1e-5)  # lr 0: still the source classifier, blind to G(F(x))
    core = dual.layers[-1]
    kernel = core.layers[1].get_weights()[0].copy()
    kernel[..., 1, :] = 0.1  # now it looks at G(F(x)): the input gradient goes through the purifier too
    core.layers[1].set_weights([kernel] + core.layers[1].get_weights()[1:])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(dual(xt))
    enc, dec = (keras.saving.load_model(os.path.join(aegan, f"{n}.keras")) for n in ("encoder", "decoder"))
    with tf.GradientTape() as tape2:
        tape2.watch(xt)
        loss2 = tf.reduce_sum(core(tf.concat([xt, dec(enc(xt))], -1)))
    assert np.allclose(tape.gradient(loss, xt), tape2.gradient(loss2, xt), atol=1e-5)
    result = train.advtrain.main(base + ["--epochs", "2", "--precision", "mixed_bfloat16"])
    assert result["epochs"] == 2 and len(read_history(folder)["val_adv_accuracy"]) == 2
    for name in ("classifier", "classifier_last"):
        saved = keras.saving.load_model(folder / f"{name}.keras")
        assert all(w.dtype == "float32" for w in saved.weights), name
    with pytest.raises(SystemExit) as e:  # design 4 needs its purifier
        train.advtrain.main([a for a in base if a != aegan and a != "--purifier"] + ["--name", "nopurifier"])
    assert e.value.code == 2 and "--dual-view puts a frozen purifier" in capsys.readouterr().err


@pytest.mark.slow(12)  # seconds on one idle core: run longest first
def test_joint_training_fine_tunes_purifier_and_classifier_together(idx_dir, tmp_path, capsys, tiny_networks_once):
    """Design 3: encoder, decoder and classifier trained together through C(G(F(x'))), Eq. 5's terms kept; the
    run keeps the best epoch's encoder, decoder and classifier (the defense whole) and refuses misuse. (Resuming
    is fit_resumable's, tested for every trainer.)"""
    import keras

    aegan = str(tiny_networks_once[0] / "w" / "aegan")
    base = COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--batch-size", "16", "--max-examples", "16",
                     "--steps", "1", "--step-size", "0.3", "--val-steps", "1", "--purifier", aegan, "--name", "joint"]
    train.advtrain.main(base + ["--joint", "--epochs", "1"])
    folder = tmp_path / "classifier_joint"
    config = json.loads((folder / "config.json").read_text())
    assert config["joint"] is True and config["cls_weight"] == 10.0
    assert "fine-tuning encoder, decoder, discriminator of" in capsys.readouterr().out
    for name in ("classifier", "encoder", "decoder", "classifier_last", "encoder_last", "decoder_last", "discriminator"):
        assert (folder / f"{name}.keras").exists(), name
    tuned, shipped = (keras.saving.load_model(os.path.join(f, "encoder.keras")) for f in (folder, aegan))
    assert not all(np.allclose(a, b) for a, b in zip(tuned.get_weights(), shipped.get_weights()))  # F moved
    assert "recon_loss" in read_history(folder) and "val_recon_loss" in read_history(folder)
    no_purifier = [a for a in base if a not in ("--purifier", aegan)]
    for argv, said in ((no_purifier + ["--joint", "--name", "other"], "give it --purifier"),
                       (base + ["--joint", "--loss", "trades"], "--joint takes the PGD loss"),
                       (base + ["--epochs", "3"], "joint")):  # a joint run's folder refuses a run without --joint
        with pytest.raises(SystemExit) as e:
            train.advtrain.main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and said in err, err


@pytest.mark.parametrize("command,options,files", [
    ("advtrain", ["--steps", "1", "--step-size", "0.3", "--val-steps", "1", "--name", "bf16"],
     ("classifier_bf16/classifier.keras", "classifier_bf16/classifier_last.keras")),
    ("defensegan", ["--iterations", "2", "--iterations-per-epoch", "2", "--snapshots", "2", "--name", "dgan_bf16"],
     ("dgan_bf16/decoder.keras", "dgan_bf16/critic.keras", "dgan_bf16/snapshots/decoder_2.keras"))])
def test_mixed_bfloat16_training_saves_float32_networks_and_resumes(command, options, files, idx_dir, tmp_path, capsys):
    """--precision mixed_bfloat16 (train.advtrain, train.defensegan): the networks compute in bfloat16, every
    file is a float32 network (it loads and runs in float32 wherever used), the global policy is restored,
    and the run resumes from those files."""
    import keras

    base = COMMON + ["--data-dir", idx_dir, "--workdir", str(tmp_path), "--batch-size", "16", "--precision",
                     "mixed_bfloat16"] + options
    if command == "advtrain":
        base += ["--max-examples", "32"]
    module = importlib.import_module(f"train.{command}")
    result = module.main(base + (["--epochs", "1"] if command == "advtrain" else []))  # one epoch
    assert all(v == v for v in result["final"].values())  # no NaN
    assert keras.config.dtype_policy().name == "float32"
    for f in files:
        net = keras.saving.load_model(tmp_path / f)
        assert {layer.dtype_policy.name for layer in net.layers} == {"float32"} and net.compute_dtype == "float32", f
    folder = os.path.dirname(tmp_path / files[0])
    assert json.loads(open(os.path.join(folder, "config.json")).read())["precision"] == "mixed_bfloat16"
    capsys.readouterr()
    more = ["--epochs", "2"] if command == "advtrain" else ["--iterations", "4"]
    assert module.main(base + more)["epochs"] == 2 and "Epoch 2/2" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        module.main(base[:-len(options)] + ["--precision", "float8"])
