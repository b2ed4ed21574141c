import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_aegan.models import build_decoder, build_encoder
from tf_aegan.purify import LatentSearchPurifier
from tf_aegan.serving import PY_FUNC_OPS, DefendedClassifier, graph_op_types

SHAPE = (28, 28, 1)
CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(0)
    enc, dec = build_encoder(SHAPE, 4), build_decoder(SHAPE, 4)
    clf = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(10)])
    x = np.random.RandomState(0).rand(8, *SHAPE).astype(np.float32)
    x[:4] *= 0.05  # dark images: a different reconstruction error from the bright ones
    inproc = LatentSearchPurifier(enc, dec, mode="gated", steps=5)
    threshold = float(np.median(inproc.detector.errors(x)))
    inproc.detector.threshold = threshold
    root = tmp_path_factory.mktemp("export")
    target = str(root / "model" / "1")
    DefendedClassifier(clf, inproc).save(target)
    np.save(root / "x.npy", x)
    return target, root, x, inproc, clf


def test_fresh_process_with_only_tensorflow_matches_the_in_process_purifier(exported):
    target, root, x, inproc, clf = exported
    code = (f"import numpy as np, tensorflow as tf\n"
            f"m = tf.saved_model.load({target!r})\n"
            f"x = tf.constant(np.load({str(root / 'x.npy')!r}))\n"
            f"p = m.signatures['purify'](images=x)\n"
            f"s = m.signatures['serving_default'](images=x)\n"
            f"np.savez({str(root / 'out.npz')!r}, images=p['images'].numpy(), flagged=p['flagged'].numpy(),\n"
            f"         errors=p['reconstruction_error'].numpy(), probs=s['probabilities'].numpy(),\n"
            f"         classes=s['classes'].numpy())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    served = np.load(root / "out.npz")
    expected = inproc.purify(x)
    flags = expected.flags.numpy()
    assert 0 < flags.sum() < len(x)
    np.testing.assert_array_equal(served["flagged"], flags)
    np.testing.assert_allclose(served["images"], expected.images.numpy(), atol=1e-4)
    np.testing.assert_allclose(served["errors"], expected.errors.numpy(), atol=1e-4)
    probs = tf.nn.softmax(clf(expected.images)).numpy()
    np.testing.assert_allclose(served["probs"], probs, atol=1e-4)
    np.testing.assert_array_equal(served["classes"], probs.argmax(1))


def test_settings_are_saved_beside_the_model(exported):
    import json

    target = exported[0]
    with open(os.path.join(target, "assets.extra", "purifier.json")) as f:
        settings = json.load(f)
    assert settings["steps"] == 5 and settings["threshold"] == pytest.approx(exported[3].threshold)


@pytest.mark.slow(16)  # seconds on one idle core: run longest first
def test_saved_model_cli_runs_the_served_signature(exported):
    """TF-Serving's tool runs serving_default (both signatures are called in test_invalid_inputs_fail_...)."""
    target, root, *_ = exported
    run = subprocess.run([CLI, "run", "--dir", target, "--tag_set", "serve", "--signature_def", "serving_default",
                          "--inputs", f"images={root / 'x.npy'}", "--outdir", str(root / "cli_out")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-1000:]
    assert np.load(root / "cli_out" / "classes.npy").shape == (8,)


def test_graph_has_no_python_ops(exported):
    ops = graph_op_types(exported[0])
    assert "While" in ops or "StatelessWhile" in ops
    assert not ops & PY_FUNC_OPS


@pytest.mark.parametrize("bad,message", [
    (np.full((2, 28, 28, 1), np.nan, np.float32), "NaN or infinity"),
    (np.full((2, 28, 28, 1), np.inf, np.float32), "NaN or infinity"),
    (np.full((2, 28, 28, 1), 1.5, np.float32), r"\[0, 1\]"),
    (-np.ones((2, 28, 28, 1), np.float32), r"\[0, 1\]"),
    (np.zeros((2, 32, 32, 1), np.float32), "shape"),
    (np.zeros((2, 28, 28, 3), np.float32), "shape"),
])
def test_invalid_inputs_fail_with_invalid_argument(exported, bad, message):
    model = tf.saved_model.load(exported[0])
    for name in ("serving_default", "purify"):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            model.signatures[name](images=tf.constant(bad))


def test_wrong_rank_fails_in_the_serving_path(exported):
    target, root, *_ = exported
    np.save(root / "rank3.npy", np.zeros((28, 28, 1), np.float32))
    run = subprocess.run([CLI, "run", "--dir", target, "--tag_set", "serve", "--signature_def", "purify",
                          "--inputs", f"images={root / 'rank3.npy'}"], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "InvalidArgument" in run.stderr


class FakeServing:
    """A loopback stand-in for TF-Serving's REST :predict (row and columnar forms) over a SavedModel.

    Not TF-Serving, which cannot be installed here: it only lets the client's requests and the
    answers' shapes be tested end to end.
    """

    def __init__(self, model_dir):
        import http.server
        import json
        import threading

        model = tf.saved_model.load(model_dir)

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rows = "instances" in body
                images = np.array(body["instances"] if rows else body["inputs"]["images"], np.float32)
                try:
                    out = model.signatures[body.get("signature_name", "serving_default")](images=tf.constant(images))
                    out = {k: v.numpy().tolist() for k, v in out.items()}
                    answer = {"predictions": [dict(zip(out, vals)) for vals in zip(*out.values())]} if rows \
                        else {"outputs": out}
                    code = 200
                except tf.errors.InvalidArgumentError as e:
                    answer, code = {"error": e.message}, 400
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/models/aegan:predict"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize("form", ["instances", "inputs"])
def test_client_round_trip(exported, form, capsys):
    import export.client

    target, root, x, inproc, _ = exported
    server = FakeServing(target)
    try:
        body = export.client.main(["--url", server.url, "--images", str(root / "x.npy"), "--form", form])
        out = capsys.readouterr().out
        assert out.count("image ") == 8 and "flagged=" in out
        out = export.client.main(["--url", server.url, "--images", str(root / "x.npy"), "--form", form,
                                  "--signature", "purify", "--save", str(root / f"answers_{form}")])
        np.testing.assert_allclose(out["images"], inproc(x).numpy(), atol=1e-4)
        saved = json.loads((root / f"answers_{form}" / "answers.json").read_text())
        assert len(saved["images"]) == 8 and (root / f"answers_{form}" / "purified_0007.png").exists()
        np.testing.assert_allclose(np.load(root / f"answers_{form}" / "purified.npy"), out["images"])
        np.save(root / "bad.npy", np.full((1, 28, 28, 1), 2.0, np.float32))
        capsys.readouterr()
        for extra in ([], ["--no-check"]):  # refused here before sending; refused by the server when sent
            with pytest.raises(SystemExit) as e:
                export.client.main(["--url", server.url, "--images", str(root / "bad.npy"), "--form", form] + extra)
            err = capsys.readouterr().err
            assert e.value.code == 2 and err.startswith("error: ") and "[0, 1]" in err.splitlines()[0]
            assert len(err.strip().splitlines()) == 1
    finally:
        server.server.shutdown()


def test_export_cli_writes_a_versioned_model(exported, tmp_path, capsys, monkeypatch):
    import json

    import export.savedmodel
    from tests.conftest import make_idx_folder

    _, _, _, inproc, clf = exported
    work = tmp_path / "w"
    for folder, name, net in (("classifier_A", "classifier", clf), ("aegan", "encoder", inproc.encoder),
                              ("aegan", "decoder", inproc.decoder)):
        (work / folder).mkdir(parents=True, exist_ok=True)
        net.save(work / folder / f"{name}.keras")
    args = ["--out", str(tmp_path / "serving"), "--workdir", str(work), "--dataset", "mnist",
            "--data-dir", make_idx_folder(tmp_path / "mnist"), "--steps", "4", "--fpr", "0.1"]
    target = export.savedmodel.main(args)
    assert target.endswith(os.path.join("serving", "1"))
    assert os.path.exists(os.path.join(target, "assets.extra", "tf_serving_warmup_requests"))
    assert os.path.exists(os.path.join(tmp_path, "serving", "batching_parameters.txt"))
    with open(os.path.join(target, "assets.extra", "purifier.json")) as f:
        settings = json.load(f)
    assert settings["steps"] == 4 and settings["threshold_fpr"] == 0.1 and settings["threshold"] > 0
    assert set(tf.saved_model.load(target).signatures) == {"serving_default", "purify"}
    with pytest.raises(SystemExit) as e:
        export.savedmodel.main(args)
    assert e.value.code == 2 and "exists" in capsys.readouterr().err
    assert settings["classifier"] == "A"
    # A given threshold needs no data set: no --data-dir, no data anywhere. --classifier puts another
    # classifier behind the purifier (a defended classifier): the served classes are its own.
    monkeypatch.delenv("TF_AEGAN_DATA_DIR", raising=False)
    other = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    other.save(tmp_path / "other.keras")
    given = export.savedmodel.main(["--out", str(tmp_path / "serving"), "--version", "2", "--workdir", str(work),
                                    "--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"),
                                    "--threshold", "0.01", "--steps", "4", "--classifier", str(tmp_path / "other.keras")])
    with open(os.path.join(given, "assets.extra", "purifier.json")) as f:
        settings = json.load(f)
    assert settings["threshold"] == pytest.approx(0.01) and settings["classifier"] == str(tmp_path / "other.keras")
    x = np.random.RandomState(0).rand(3, 28, 28, 1).astype(np.float32)
    served = tf.saved_model.load(given).signatures["serving_default"](tf.constant(x))
    images = tf.saved_model.load(given).signatures["purify"](tf.constant(x))["images"]
    assert np.allclose(served["probabilities"], tf.nn.softmax(other(images)), atol=1e-5)
    # --front detect: the classifier on the images themselves, the detector's verdict beside
    detect = export.savedmodel.main(["--out", str(tmp_path / "serving"), "--version", "3", "--workdir", str(work),
                                     "--dataset", "mnist", "--threshold", "0.01", "--steps", "4", "--front", "detect",
                                     "--classifier", str(tmp_path / "other.keras")])
    served = tf.saved_model.load(detect).signatures["serving_default"](tf.constant(x))
    assert np.allclose(served["probabilities"], tf.nn.softmax(other(x)), atol=1e-5)


def test_served_signatures_are_differentiable_and_match_in_process_gradients(exported):
    """Attacks and saliency tools take gradients of the served model (issue 13): both signatures."""
    target, _, x, inproc, clf = exported
    model = tf.saved_model.load(target)
    xt = tf.constant(x)
    threshold = tf.constant(inproc.threshold, tf.float32)
    assert 0 < int(tf.reduce_sum(tf.cast(inproc.gated_tensor(xt, threshold)[1], tf.int32))) < len(x)
    weights = tf.constant(np.random.RandomState(1).rand(len(x), 10).astype(np.float32))

    def grad(fn):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = fn(xt)
        return tape.gradient(out, xt).numpy()

    served = grad(lambda v: tf.reduce_sum(model.signatures["serving_default"](images=v)["probabilities"] * weights))
    local = grad(lambda v: tf.reduce_sum(tf.nn.softmax(clf(inproc.gated_tensor(v, threshold)[0])) * weights))
    assert np.abs(served).sum() > 0
    np.testing.assert_allclose(served, local, rtol=1e-3, atol=1e-6)
    purified = grad(lambda v: tf.reduce_sum(model.signatures["purify"](images=v)["images"]))
    assert np.isfinite(purified).all() and np.abs(purified).sum() > 0


def test_detect_front_serves_the_classifier_on_the_images_with_the_detectors_advice(exported, tmp_path):
    """--front detect (an adversarially trained classifier deployed as measured best): served probabilities and
    their input gradients are the classifier's own on the images; flagged and reconstruction_error are the
    gated purifier's; purify is unchanged."""
    _, _, x, inproc, clf = exported
    target = str(tmp_path / "detect" / "1")
    DefendedClassifier(clf, inproc, front="detect").save(target)
    model = tf.saved_model.load(target)
    xt = tf.constant(x)
    threshold = tf.constant(inproc.threshold, tf.float32)
    served = model.signatures["serving_default"](images=xt)
    images, flags, errors = inproc.gated_tensor(xt, threshold)
    np.testing.assert_allclose(served["probabilities"], tf.nn.softmax(clf(xt)), atol=1e-5)
    assert 0 < int(tf.reduce_sum(tf.cast(flags, tf.int32))) < len(x)
    np.testing.assert_array_equal(served["flagged"], flags)
    np.testing.assert_allclose(served["reconstruction_error"], errors, rtol=1e-5)
    np.testing.assert_allclose(model.signatures["purify"](images=xt)["images"], images, atol=1e-5)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        a = tf.reduce_sum(model.signatures["serving_default"](images=xt)["probabilities"][:, 3])
        b = tf.reduce_sum(tf.nn.softmax(clf(xt))[:, 3])
    np.testing.assert_allclose(tape.gradient(a, xt), tape.gradient(b, xt), rtol=1e-3, atol=1e-6)
    with open(os.path.join(target, "assets.extra", "purifier.json")) as f:
        assert json.load(f)["front"] == "detect"
    with pytest.raises(ValueError, match="front must be one of"):
        DefendedClassifier(clf, inproc, front="bypass")


class FakeGrpcServing:
    """A loopback stand-in for TF-Serving's gRPC PredictionService over a SavedModel (as FakeServing)."""

    def __init__(self, model_dir):
        from concurrent import futures

        import grpc
        from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

        model = tf.saved_model.load(model_dir)

        class Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
            def Predict(self, request, context):
                images = tf.make_ndarray(request.inputs["images"])
                try:
                    out = model.signatures[request.model_spec.signature_name or "serving_default"](
                        images=tf.constant(images))
                except tf.errors.InvalidArgumentError as e:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, e.message)
                response = predict_pb2.PredictResponse()
                for k, v in out.items():
                    response.outputs[k].CopyFrom(tf.make_tensor_proto(v.numpy()))
                return response

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Servicer(), self.server)
        self.target = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()


def test_grpc_client_round_trip(exported, capsys):
    import export.client

    target, root, x, inproc, _ = exported
    server = FakeGrpcServing(target)
    try:
        out = export.client.main(["--grpc", server.target, "--images", str(root / "x.npy")])
        assert capsys.readouterr().out.count("image ") == 8
        np.testing.assert_array_equal(out["flagged"], inproc.purify(x).flags.numpy())
        images = export.client.main(["--grpc", server.target, "--images", str(root / "x.npy"), "--signature", "purify"])
        np.testing.assert_allclose(images["images"], inproc(x).numpy(), atol=1e-4)
        np.save(root / "bad.npy", np.full((1, 28, 28, 1), 2.0, np.float32))
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            export.client.main(["--grpc", server.target, "--images", str(root / "bad.npy"), "--no-check"])
        err = capsys.readouterr().err
        assert e.value.code == 2 and "INVALID_ARGUMENT" in err and "[0, 1]" in err.splitlines()[0]
    finally:
        server.server.stop(0)


def test_warmup_requests_and_batching_file_are_written_and_replay(exported, tmp_path):
    from tf_aegan.serving import BATCHING_FILE, read_warmup, warmup_images, write_batching_parameters

    target, root, x, inproc, clf = exported
    folder = str(tmp_path / "m" / "1")
    images = warmup_images(x[:2])
    DefendedClassifier(clf, inproc).save(folder, warmup_images=images)
    requests = read_warmup(os.path.join(folder, "assets.extra", "tf_serving_warmup_requests"))
    assert len(requests) == 2 * len(images)
    assert {r.model_spec.signature_name for r in requests} == {"serving_default", "purify"}
    model = tf.saved_model.load(folder)
    flagged = []
    for r in requests:  # replay as TF-Serving would at load time
        out = model.signatures[r.model_spec.signature_name](images=tf.constant(tf.make_ndarray(r.inputs["images"])))
        flagged.append(bool(out["flagged"].numpy()[0]))
    assert any(flagged) and not all(flagged)  # both branches of the gated graph are traced
    path = write_batching_parameters(str(tmp_path / BATCHING_FILE))
    text = open(path).read()
    assert "max_batch_size { value: 64 }" in text and "allowed_batch_sizes: 64" in text
    import re  # BatchingParameters' proto is not in the pip package: check the text-proto grammar by hand

    for line in text.strip().splitlines():
        assert re.fullmatch(r"[a-z_]+ \{ value: \d+ \}|allowed_batch_sizes: \d+", line), line
    sizes = [int(v) for v in re.findall(r"allowed_batch_sizes: (\d+)", text)]
    assert sizes == sorted(sizes) and sizes[-1] == 64  # TF-Serving requires the last to be max_batch_size


def test_art_attacks_the_loaded_signature(exported):
    """The Adversarial Robustness Toolbox wraps the served graph and runs Auto-PGD on it (issue 13)."""
    pytest.importorskip("art")
    from art.attacks.evasion import AutoProjectedGradientDescent
    from art.estimators.classification import TensorFlowV2Classifier

    target, _, x, _, _ = exported
    model = tf.saved_model.load(target)  # kept: the signature needs the loaded object's variables
    served = model.signatures["serving_default"]
    logits = lambda v, training=False: tf.math.log(served(images=tf.convert_to_tensor(v, tf.float32))["probabilities"] + 1e-12)  # noqa: E731
    estimator = TensorFlowV2Classifier(model=logits, nb_classes=10, input_shape=SHAPE, clip_values=(0.0, 1.0),
                                       loss_object=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    attack = AutoProjectedGradientDescent(estimator, norm=np.inf, eps=0.3, eps_step=0.05, max_iter=5, nb_random_init=1,
                                          batch_size=8, verbose=False)
    adv = attack.generate(x, y=np.arange(len(x)) % 10)
    assert adv.shape == x.shape and 0.2 < np.abs(adv - x).max() <= 0.3 + 1e-5


def test_manifest_command_says_whether_the_run_stopped_early(tmp_path):
    """A run that trained every epoch it was asked for gets no note; a stopped one says how far it went."""
    import json

    from export.weights import _command

    (tmp_path / "history.csv").write_text("epoch,recon_loss\n0,1.0\n1,0.9\n")
    config = {"kind": "bigan", "dataset": "mnist", "epochs": 2, "seed": 0}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert _command(str(tmp_path), config) == "python -m train.bigan --dataset mnist --epochs 2 --seed 0"
    stopped = _command(str(tmp_path), {**config, "epochs": 5})
    assert stopped.endswith("(stopped after 2 of 5 epochs; the same command resumes it)")
    dgan = {"kind": "defensegan", "dataset": "mnist", "iterations": 5000, "iterations_per_epoch": 1000, "seed": 0}
    assert "stopped after 2000 of 5000 generator iterations" in _command(str(tmp_path), dgan)


def test_manifest_command_of_a_bigan_says_how_its_discriminator_was_built():
    import export.weights

    config = {"kind": "bigan", "dataset": "fashion_mnist", "epochs": 60, "seed": 0}
    plain = export.weights._base_command("bigan", config)
    assert plain == "python -m train.bigan --dataset fashion_mnist --epochs 60 --seed 0"
    with_bn = export.weights._base_command("bigan_bn", {**config, "discriminator_batchnorm": True, "beta_2": 0.999})
    assert with_bn == plain + " --discriminator-batchnorm"


def test_client_reads_png_refuses_nan_and_says_when_no_server_answers(tmp_path, capsys):
    from PIL import Image

    import export.client

    Image.fromarray(np.full((28, 28), 255, np.uint8)).save(tmp_path / "white.png")
    images = export.client.load_images([str(tmp_path / "white.png")] * 2)
    assert images.shape == (2, 28, 28, 1) and images.dtype == np.float32 and images.max() == 1.0
    assert export.client.load_images([str(tmp_path / "white.png")], channels=3).shape == (1, 28, 28, 3)
    nan = np.zeros((1, 28, 28, 1), np.float32)
    nan[0, 0, 0, 0] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    with pytest.raises(SystemExit) as e:  # never sent: the URL has no server
        export.client.main(["--url", "http://127.0.0.1:9/v1/models/aegan:predict", "--images", str(tmp_path / "nan.npy")])
    assert e.value.code == 2 and "1 non-finite value(s) (NaN)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        export.client.main(["--grpc", "127.0.0.1:9", "--images", str(tmp_path / "white.png"), "--timeout", "2"])
    err = capsys.readouterr().err
    assert e.value.code == 1 and err.startswith("error: no model server answering at 127.0.0.1:9")
    assert export.client.reason("Graph execution error:\n\nDetected at node x\nassertion failed: [image values must "
                                "lie in [0, 1]] [Condition x >= 0 did not hold]") == "image values must lie in [0, 1]"


@pytest.mark.slow(14)  # seconds on one idle core: run longest first
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
def test_baselines_ship_with_their_commands_and_earlier_entries_stay(with_baselines, tmp_path):
    import os
    import shutil

    import export.weights

    out = str(tmp_path / "weights")
    first = export.weights.main(["--workdir", with_baselines[5], "--dataset", "mnist", "--out", out])
    nets = first["networks"]
    assert "python -m train.defensegan" in nets["defensegan/decoder.keras"]["command"]
    assert "python -m train.advtrain" in nets["classifier_A_advtr/classifier.keras"]["command"]
    assert "python -m train.bigan" in nets["bigan/encoder.keras"]["command"]
    assert "python -m train.magnet" in nets["magnet/decoder.keras"]["command"]
    assert os.path.isfile(f"{out}/defensegan/samples.png")
    # Shipping a work directory that holds only classifier A keeps the networks shipped before.
    partial = tmp_path / "partial"
    shutil.copytree(os.path.join(with_baselines[5], "classifier_A"), partial / "classifier_A")
    second = export.weights.main(["--workdir", str(partial), "--dataset", "mnist", "--out", out])
    assert set(second["networks"]) == set(nets)
    # float16 storage: half the bytes, loaded back as float32 networks, the accuracy change recorded.
    half = export.weights.main(["--workdir", with_baselines[5], "--dataset", "mnist", "--out", out, "--float16", "all",
                                "--data-dir", with_baselines[3]])
    entry = half["networks"]["magnet/decoder.keras"]
    assert entry["metrics"]["float16_accuracy_change"] <= 0.002 and entry["stored_as"] == "float16"
    assert entry["bytes"] < 0.6 * nets["magnet/decoder.keras"]["bytes"]
    from tf_aegan import store

    dec = store.load_keras(f"{out}/magnet/decoder.keras", "decoder")
    assert {w.dtype for w in dec.weights} == {"float32"}
    assert "defensegan/decoder.keras" in half["networks"] and "classifier_A/classifier.keras" in half["networks"]


def test_rename_makes_a_shipped_network_the_default_and_keeps_the_one_it_replaces(tmp_path, capsys):
    """`--rename aegan=aegan_z128 --rename aegan_z20=aegan`: Ours becomes the latent-20 network, its checksums
    travel with it, and a clash or a missing folder is a one-line error (exit 2)."""
    import export.weights
    from tf_aegan import store

    out = tmp_path / "weights"
    for name, dim in (("aegan", 128), ("aegan_z20", 20)):
        (out / name).mkdir(parents=True)
        (out / name / "encoder.keras").write_text(f"net {dim}")
    manifest = {"dataset": "mnist", "networks": {
        "aegan/encoder.keras": {"sha256": store.sha256(str(out / "aegan" / "encoder.keras")), "config": {"latent_dim": 128}},
        "aegan_z20/encoder.keras": {"sha256": store.sha256(str(out / "aegan_z20" / "encoder.keras")),
                                    "config": {"latent_dim": 20}},
        "magnet/decoder.keras": {"sha256": "x"}}}
    (out / "manifest.json").write_text(json.dumps(manifest))
    got = export.weights.main(["--rename", "aegan=aegan_z128", "--rename", "aegan_z20=aegan", "--out", str(out)])
    assert got["networks"]["aegan/encoder.keras"]["config"]["latent_dim"] == 20
    assert got["networks"]["aegan_z128/encoder.keras"]["config"]["latent_dim"] == 128
    assert set(got["networks"]) == {"aegan/encoder.keras", "aegan_z128/encoder.keras", "magnet/decoder.keras"}
    assert (out / "aegan" / "encoder.keras").read_text() == "net 20" and not (out / "aegan_z20").exists()
    assert json.loads((out / "manifest.json").read_text()) == got
    for bad in (["--rename", "aegan=aegan_z128"], ["--rename", "nothing=x"], ["--rename", "aegan"],
                ["--rename", "aegan=b", "--workdir", str(tmp_path)]):
        with pytest.raises(SystemExit) as e:
            export.weights.main(bad + ["--out", str(out)])
        assert e.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
