"""What a new user meets at the command line: clean output, one-line errors, Ctrl-C."""

import os
import subprocess
import sys

import pytest

from tf_aegan import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_tensorflow_start_up_lines_stay_out_of_the_output():
    """oneDNN notices and 'failed call to cuInit' ignore TF_CPP_MIN_LOG_LEVEL; tf_aegan silences them."""
    code = "import tf_aegan, tensorflow as tf; print(float(tf.constant(1.0) + 1))"
    env = {k: v for k, v in os.environ.items() if k != "TF_AEGAN_TF_LOGS"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "2.0"
    for noise in ("oneDNN", "cuInit", "cuda", "absl::InitializeLog"):
        assert noise not in proc.stderr, proc.stderr


def test_loading_a_float16_network_prints_no_onednn_line(tmp_path):
    """Shipped networks are stored in float16; oneDNN says once that it lacks AVX-512 half support."""
    import keras

    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, dtype="float16")])
    net.save(tmp_path / "half.keras")
    code = ("import numpy as np, tf_aegan; from tf_aegan import store; "
            f"m = store.load_keras({str(tmp_path / 'half.keras')!r}, 'net'); print(np.asarray(m(np.ones((1, 4), 'float32'))).dtype)")
    env = {k: v for k, v in os.environ.items() if k != "TF_AEGAN_TF_LOGS"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "float32", proc.stderr
    assert "DT_HALF" not in proc.stderr and "oneDNN" not in proc.stderr, proc.stderr


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
