import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMANDS = ["evaluate.table", "evaluate.table1", "evaluate.ablation", "evaluate.adaptive", "evaluate.noise_study", "evaluate.search_params",
            "evaluate.purification", "evaluate.reconstruction", "evaluate.defensegan_convergence", "evaluate.classifiers", "evaluate.tradeoff", "evaluate.latent_dim", "train.aegan",
            "train.classifier", "train.substitute", "train.defensegan", "train.magnet", "train.bigan", "train.advtrain",
            "export.savedmodel", "export.weights", "export.client", "bench.purify", "bench.serving",
            "bench.precision", "bench.training", "evaluate.report"]


def test_every_help_answers_without_importing_tensorflow():
    """`--help` must be instant: no command imports TensorFlow, Keras or CleverHans before parsing."""
    code = ("import importlib, sys, io, contextlib\n"
            f"for name in {COMMANDS!r}:\n"
            "    m = importlib.import_module(name)\n"
            "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "        try:\n"
            "            m.main(['--help'])\n"
            "        except SystemExit as e:\n"
            "            assert e.code == 0, (name, e.code)\n"
            "    assert 'usage:' in out.getvalue(), name\n"
            "    heavy = [k for k in ('tensorflow', 'keras', 'cleverhans') if k in sys.modules]\n"
            "    assert not heavy, (name, heavy)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
