"""tf-aegan: AE-GAN+rs purification of adversarial images, and honest evaluation of such defenses."""

import contextlib
import copy
import importlib.abc
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of CLI output

__version__ = "0.1.0"


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence file descriptor 2 (TensorFlow's C++ and absl lines, which ignore TF_CPP_MIN_LOG_LEVEL)
    for the block; Python errors still arrive as exceptions. TF_AEGAN_TF_LOGS=1 shows everything."""
    if os.environ.get("TF_AEGAN_TF_LOGS"):
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def configure_graph_optimizer(tf):
    """TF_AEGAN_GRAPH_OPTIMIZER=off skips Grappler's graph rewrites, which cost more than they save on tiny
    runs (each tf.function's graph is optimised on its first call): the test suite sets it."""
    setting = os.environ.get("TF_AEGAN_GRAPH_OPTIMIZER", "on")
    if setting not in ("on", "off"):
        raise ValueError(f"TF_AEGAN_GRAPH_OPTIMIZER must be 'on' or 'off', got {setting!r}")
    if setting == "off":
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})


class _Imported(importlib.abc.Loader):
    """A loader for a module already imported: it hands the import machinery that module."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


class _QuietTensorFlow(importlib.abc.MetaPathFinder):
    """On the first `import tensorflow` (not before: `--help` stays instant), import it and touch its
    CPU device with stderr silenced: its absl start-up lines (oneDNN notices, "failed call to cuInit"
    on a machine without a GPU) ignore TF_CPP_MIN_LOG_LEVEL. TF_AEGAN_TF_LOGS=1 shows them. It applies
    TF_AEGAN_GRAPH_OPTIMIZER too."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
        with quiet_native_stderr():
            module = importlib.import_module("tensorflow")
            module.config.list_physical_devices()  # the platform probe: the cuInit line (devices stay configurable)
            if not os.environ.get("TF_AEGAN_TF_LOGS"):
                # retracing notices and AutoGraph's "could not transform <lambda>" are not the user's concern
                module.get_logger().setLevel("ERROR")
                module.autograph.set_verbosity(0)
            configure_graph_optimizer(module)
        spec = copy.copy(module.__spec__)
        spec.loader = _Imported(module)
        return spec


if "tensorflow" in sys.modules:
    configure_graph_optimizer(sys.modules["tensorflow"])
else:
    sys.meta_path.insert(0, _QuietTensorFlow())
