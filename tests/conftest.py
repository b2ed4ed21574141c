"""Tiny data sets written in the original file formats, so tests exercise the real loaders."""

import contextlib
import gzip
import os
import struct

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Grappler's graph rewrites pay off on long runs, not on a test's tiny tensors, where optimising each
# tf.function's graph on its first call costs more than running it: off here and in the commands tests start.
os.environ.setdefault("TF_AEGAN_GRAPH_OPTIMIZER", "off")
import tf_aegan  # noqa: E402,F401  before TensorFlow, so that its import applies the setting
if os.environ.get("PYTEST_XDIST_WORKER"):  # one core per worker (scripts/test.sh runs -n 2): no oversubscription
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(var, "1")
SHARED_FMNIST = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "fashion-mnist")


@contextlib.contextmanager
def eager_functions():
    """Every tf.function runs eagerly inside: for tiny networks, tracing a train step or an attack's graph
    costs more than running its few steps (not for many steps: a Keras step runs several times slower
    eagerly). Used where the graph is not what a test checks: the fixtures' few-step trainings (each
    trainer's graph mode is its own tests', which resume these networks) and the tests marked `eager`
    (the commands' plumbing: rows, caches, files; each names where its graphs are traced).
    TF_AEGAN_TESTS_GRAPH=1 turns it off: every test and fixture in graph mode, as before."""
    import tensorflow as tf

    if os.environ.get("TF_AEGAN_TESTS_GRAPH") == "1":
        yield
        return

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


@pytest.fixture(autouse=True)
def _eager_when_marked(request):
    if request.node.get_closest_marker("eager"):
        with eager_functions():
            yield
    else:
        yield


def write_idx(path, array):
    array = np.asarray(array, np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def tiny_images(n, rng):
    """28x28 images whose bright block sits where the label says, so a network can learn them."""
    labels = rng.randint(0, 10, n)
    images = rng.randint(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, y in enumerate(labels):
        r, c = divmod(int(y), 4)
        images[i, 2 + r * 8:8 + r * 8, 2 + c * 6:8 + c * 6] = 230
    return images, labels


def make_idx_folder(folder, n_train=84, n_test=40, seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(seed)
    xtr, ytr = tiny_images(n_train, rng)
    xte, yte = tiny_images(n_test, rng)
    write_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"), xtr)
    write_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"), ytr)
    write_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), xte)
    write_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), yte)
    return str(folder)


@pytest.fixture
def idx_dir(tmp_path):
    return make_idx_folder(tmp_path / "mnist")


@pytest.fixture
def celeba_dir(tmp_path):
    """A CelebA folder in the original layout: 12 JPEG faces 178x218, attributes and partitions."""
    import tensorflow as tf

    root = tmp_path / "celeba"
    (root / "img_align_celeba").mkdir(parents=True)
    names = ["5_o_Clock_Shadow", "Male", "Smiling"]
    rng = np.random.RandomState(0)
    attr = [str(12), " ".join(names)]
    part = []
    for i in range(12):
        fname = f"{i + 1:06d}.jpg"
        img = rng.randint(0, 255, (218, 178, 3)).astype(np.uint8)
        tf.io.write_file(str(root / "img_align_celeba" / fname), tf.io.encode_jpeg(img))
        male = "1" if i % 2 else "-1"
        attr.append(f"{fname} -1 {male} 1")
        part.append(f"{fname} {0 if i < 6 else (1 if i < 9 else 2)}")
    (root / "list_attr_celeba.txt").write_text("\n".join(attr) + "\n")
    (root / "list_eval_partition.txt").write_text("\n".join(part) + "\n")
    return str(root)


@pytest.fixture(scope="session")
def tiny_classifier():
    """A small dense classifier trained to high accuracy on the tiny block images: (model, x, y)."""
    import keras

    keras.utils.set_random_seed(0)
    x, y = tiny_images(400, np.random.RandomState(0))
    x = x[..., None].astype(np.float32) / 255.0
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=15, batch_size=50, verbose=0)  # graph mode: 120 steps run 3.5x faster than eagerly
    xt, yt = x[:40], y[:40]
    assert (np.argmax(model.predict(xt, verbose=0), 1) == yt).mean() > 0.9
    return model, xt, yt


def built_once(tmp_path_factory, name, build):
    """The folder `build(folder)` fills, built once per test run and shared by the test workers: the first
    worker to need it builds it under a file lock, the others wait for it (pytest-xdist's recipe for
    session data). Tests read it and copy what they change."""
    import fcntl
    import shutil

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # this run's folder, above the workers' own
    folder = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


@pytest.fixture(scope="session")
def tiny_networks_once(tmp_path_factory):
    """Classifier A and an AE-GAN trained once per test run by the real commands on tiny IDX data:
    (root, its data folder). Tests get a private copy (`tiny_networks`)."""
    def build(root):
        import train.aegan
        import train.classifier

        data = make_idx_folder(root / "mnist")
        common = ["--dataset", "mnist", "--data-dir", data, "--workdir", str(root / "w")]
        train.classifier.main(common + ["--epochs", "3", "--batch-size", "16", "--verbose", "0"])
        train.aegan.main(common + ["--epochs", "1", "--batch-size", "16", "--latent-dim", "8", "--name", "aegan",
                                   "--verbose", "0"])

    root = built_once(tmp_path_factory, "tiny_networks", build)
    return root, str(root / "mnist")


def copy_tiny_networks(once, folder):
    """A private copy of the once-trained networks in folder/w; the common CLI options pointing at it."""
    import shutil

    root, data = once
    shutil.copytree(root / "w", folder / "w")
    return ["--dataset", "mnist", "--data-dir", data, "--workdir", str(folder / "w")]


@pytest.fixture
def tiny_networks(tiny_networks_once, tmp_path):
    return copy_tiny_networks(tiny_networks_once, tmp_path)


# Each baseline's command, its options for a tiny run of `epochs` epochs, the folder it writes and the method
# it feeds: the baselines fixture trains one epoch of each, and tests/test_baselines.py resumes them to two.
BASELINE_RUNS = {
    "defensegan": ("train.defensegan", lambda e: ["--iterations", str(2 * e), "--iterations-per-epoch", "2",
                                                  "--batch-size", "4", "--latent-dim", "8"]
                   + ["--snapshots", "2,4"] * (e == 2), "defensegan", "defensegan"),
    "magnet": ("train.magnet", lambda e: ["--epochs", str(e), "--batch-size", "16", "--max-examples", "32",
                                          "--latent-dim", "8", "--name", "magnet"], "magnet", "magnet"),
    "bigan": ("train.bigan", lambda e: ["--epochs", str(e), "--batch-size", "16", "--max-examples", "32",
                                        "--latent-dim", "8"], "bigan", "bigan_s"),
    "advtrain": ("train.advtrain", lambda e: ["--epochs", str(e), "--batch-size", "16", "--max-examples", "32",
                                              "--steps", "2", "--step-size", "0.15"], "classifier_A_advtr", "advtr"),
}


@pytest.fixture(scope="session")
def baselines_once(tiny_networks_once, tmp_path_factory):
    """The tiny networks plus every baseline, trained one epoch by its command once per test worker
    (BASELINE_RUNS, and MagNet's second reformer at latent 4); the tests that use it share one worker
    (xdist_group "baselines"). Eagerly: 15 s of CPU instead of 26 (graph mode pays off for classifier A
    and the AE-GAN above, not for these two-step runs)."""
    import importlib

    common = copy_tiny_networks(tiny_networks_once, tmp_path_factory.mktemp("baselines"))
    with eager_functions():
        for command, options, *_ in BASELINE_RUNS.values():
            importlib.import_module(command).main(common + options(1) + ["--verbose", "0"])
        importlib.import_module("train.magnet").main(common + ["--epochs", "1", "--batch-size", "16",
                                                               "--max-examples", "32", "--latent-dim", "4",
                                                               "--verbose", "0"])
    return common


@pytest.fixture(scope="session")
def table_workdir(tmp_path_factory, tiny_networks_once):
    """Tiny classifier A and AE-GAN (trained once per run) and substitutes B and C trained by the real
    command, once per run: the common CLI options pointing at them (tests copy before changing)."""
    def build(folder):
        import train.substitute

        common = copy_tiny_networks(tiny_networks_once, folder)
        with eager_functions():
            for arch in ("B", "C"):
                train.substitute.main(common + ["--arch", arch, "--rounds", "2", "--epochs-per-round", "2"])

    folder = built_once(tmp_path_factory, "table", build)
    return ["--dataset", "mnist", "--data-dir", tiny_networks_once[1], "--workdir", str(folder / "w")]


@pytest.fixture
def workdir(table_workdir):
    """The table tests' name for table_workdir: tiny classifier A, AE-GAN and substitutes B and C (conftest.table_workdir)."""
    return table_workdir


@pytest.fixture
def with_baselines(baselines_once):
    """The tests' name for baselines_once: the tiny work directory with every baseline."""
    return baselines_once


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The tests marked slow(seconds) first, longest first (so both workers stay busy to the end), the others
    in file order. Under `--dist loadgroup` (scripts/test.sh), xdist marks each grouped test's id with `@group`:
    if it did not (pytest 9.2 with xdist 3.8), the baselines would be trained on both workers, so stop."""
    def cost(item):
        mark = item.get_closest_marker("slow")
        return -(mark.args[0] if mark and mark.args else 0)
    items.sort(key=cost)  # stable: the same order on every worker
    if not (os.environ.get("PYTEST_XDIST_WORKER") and getattr(config.option, "loadgroup", False)):
        return
    lost = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(f"pytest-xdist did not group {lost[0]} (and {len(lost) - 1} more): "
                                "pytest and pytest-xdist do not work together here (see pyproject.toml)")
