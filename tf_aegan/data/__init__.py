"""Data sets as `tf.data` pipelines with the paper's fixed splits (Section 4.1, Appendix G).

Sources are tried in order: an explicit folder (`data_dir` or $TF_AEGAN_DATA_DIR), Debian's
`/usr/share/datasets/<name>`, then TFDS (prepared data, else a download).
"""

import contextlib
import dataclasses
import io
import os
import sys
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from tf_aegan import checks, defaults
from tf_aegan.data import celeba, idx

DATASETS = defaults.DATASETS
ENV_VAR = defaults.DATA_ENV_VAR
NO_DOWNLOAD_ENV = "TF_AEGAN_NO_DOWNLOAD"
DEBIAN_ROOT = "/usr/share/datasets"
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Folders a checkout looks in by itself: data/ inside it, and a shared/datasets/ beside it.
LOCAL_ROOTS = (os.path.join(_REPO, "data"), os.path.normpath(os.path.join(_REPO, "..", "shared", "datasets")))
_FOLDER_NAMES = {
    "mnist": ("mnist",),
    "fashion_mnist": ("fashion-mnist", "fashion_mnist"),
    "celeba": ("celeba", "CelebA"),
}
SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "celeba": (64, 64, 3)}
NUM_CLASSES = {"mnist": 10, "fashion_mnist": 10, "celeba": 2}


def check_name(name):
    checks.one_of("dataset", name, DATASETS)
    return name


@dataclasses.dataclass
class Split:
    """One split: uint8 images in memory, or a pipeline that yields float images (CelebA)."""

    size: int
    images: Optional[np.ndarray] = None  # uint8 (N, H, W, C)
    labels: Optional[np.ndarray] = None
    make: Optional[Callable[[Optional[np.ndarray]], tf.data.Dataset]] = None  # indices -> (image, label)

    def subset(self, index):
        index = np.asarray(index)
        if self.images is not None:
            return Split(len(index), self.images[index], self.labels[index])
        parent = self.make
        return Split(len(index), make=lambda sub=None: parent(index if sub is None else index[sub]))

    def dataset(self):
        if self.images is not None:
            ds = tf.data.Dataset.from_tensor_slices((self.images, self.labels))
            return ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE)
        return self.make(None)


@dataclasses.dataclass
class ImageDataset:
    """A data set with the paper's splits: train, val (20:1), test, dev (2000) and black-box hold-out (150)."""

    name: str
    source: str
    splits: dict

    @property
    def image_shape(self):
        return SHAPES[self.name]

    @property
    def num_classes(self):
        return NUM_CLASSES[self.name]

    def split(self, name):
        checks.one_of("split", name, self.splits)
        return self.splits[name]

    def pipeline(self, split, batch_size, shuffle=False, seed=defaults.SPLIT_SEED, drop_remainder=False):
        """Batched `tf.data.Dataset` of (float32 images in [0, 1], int64 labels)."""
        s = self.split(split)
        ds = s.dataset()
        if shuffle:
            ds = ds.shuffle(min(s.size, 20000), seed=seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)

    def arrays(self, split, n=None):
        """(images float32, labels int64) of a split, the first `n` examples if given."""
        s = self.split(split)
        if n is not None:
            if n > s.size:
                raise ValueError(f"asked for {n} examples of the {split} split, which has {s.size}")
            s = s.subset(np.arange(n))
        if s.images is not None:
            return s.images.astype(np.float32) / 255.0, s.labels
        xs, ys = [], []
        for x, y in s.dataset().batch(256):
            xs.append(x.numpy())
            ys.append(y.numpy())
        return np.concatenate(xs), np.concatenate(ys)


def _paper_splits(train, test, n_val=None, seed=defaults.SPLIT_SEED):
    """Fixed train/val/test/dev/holdout/blackbox splits from a training and a test split."""
    rng = np.random.RandomState(seed)
    if n_val is None:
        n_val = int(round(train.size * defaults.VAL_FRACTION))
    perm = rng.permutation(train.size)
    splits = {"train": train.subset(np.sort(perm[n_val:])), "val": train.subset(np.sort(perm[:n_val]))}
    splits["test"] = test
    test_perm = np.random.RandomState(seed + 1).permutation(test.size)
    splits["dev"] = test.subset(np.sort(test_perm[: min(defaults.DEV_SIZE, test.size)]))
    hold = np.random.RandomState(seed + 2).permutation(test.size)
    n_hold = min(defaults.HOLDOUT_SIZE, test.size // 2)
    splits["holdout"] = test.subset(np.sort(hold[:n_hold]))
    splits["blackbox"] = test.subset(np.sort(hold[n_hold:]))
    return splits


def _candidate_folders(name, data_dir):
    """Folders that may hold `name`: the folder itself and its <name> subfolders."""
    out = [data_dir]
    out += [os.path.join(data_dir, sub) for sub in _FOLDER_NAMES[name]]
    return out


def _from_folder(name, folder):
    if name == "celeba":
        if not celeba.has_celeba_folder(folder):
            return None
        return _celeba_from_files(*celeba.read_celeba_folder(folder))
    if not idx.has_idx_files(folder):
        return None
    (xtr, ytr), (xte, yte) = idx.load_idx_folder(folder)
    return _paper_splits(Split(len(xtr), xtr, ytr), Split(len(xte), xte, yte))


def _celeba_from_files(files, labels, parts):
    def split_of(part):
        sel = np.flatnonzero(parts == part)
        f, y = files[sel], labels[sel]

        def make(index):
            ff, yy = (f, y) if index is None else (f[index], y[index])
            ds = tf.data.Dataset.from_tensor_slices((ff, yy))
            return ds.map(lambda p, l: (celeba.decode_file(p), l), num_parallel_calls=tf.data.AUTOTUNE)

        return Split(len(sel), make=make)

    return _celeba_splits(split_of(0), split_of(1), split_of(2))


def _celeba_splits(train, val, test, seed=defaults.SPLIT_SEED):
    """Appendix G: 162770 train, 10000 val and 10000 test images, then dev and hold-out as for MNIST."""
    val = val.subset(np.sort(np.random.RandomState(seed).permutation(val.size)[:10000]))
    test = test.subset(np.sort(np.random.RandomState(seed + 3).permutation(test.size)[:10000]))
    splits = _paper_splits(Split(0), test)
    splits.update(train=train, val=val)
    return splits


def _from_tfds(name, download):
    import tensorflow_datasets as tfds

    if name != "celeba":
        parts = []
        for ds in tfds.load(name, split=["train", "test"], as_supervised=True, download=download):
            batches = list(tfds.as_numpy(ds.batch(10000)))
            x = np.concatenate([b[0] for b in batches]).astype(np.uint8)
            y = np.concatenate([b[1] for b in batches]).astype(np.int64)
            parts.append(Split(len(x), x, y))
        return _paper_splits(*parts)
    builder = tfds.builder("celeb_a")
    if download:
        builder.download_and_prepare()

    def split_of(split_name):
        try:
            n = builder.info.splits[split_name].num_examples
        except KeyError:  # no split metadata (e.g. tfds.testing.mock_data): count the examples
            n = int(builder.as_dataset(split=split_name).reduce(0, lambda c, _: c + 1))

        def make(index):
            ds = builder.as_dataset(split=split_name, shuffle_files=False)
            ds = ds.map(lambda ex: (celeba.preprocess(ex["image"]), tf.cast(ex["attributes"]["Male"], tf.int64)))
            if index is None:
                return ds
            keep = tf.constant(np.isin(np.arange(n), index))
            return ds.enumerate().filter(lambda i, ex: keep[i]).map(lambda i, ex: ex)

        return Split(n, make=make)

    return _celeba_splits(split_of("train"), split_of("validation"), split_of("test"))


@contextlib.contextmanager
def _quiet_logging():
    """Python logging at ERROR inside the block (TFDS logs its download attempts and urllib3 each retry)."""
    import logging

    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(old)


def load_dataset(name, data_dir=None):
    """The data set `name` with the paper's splits, from the first source that has it.

    Raises ValueError naming every source tried when none has the data, and at once when an
    explicitly given folder is missing files or holds corrupt ones.
    """
    check_name(name)
    tried = []
    explicit = data_dir or os.environ.get(ENV_VAR)
    if explicit:
        origin = "--data-dir" if data_dir else f"${ENV_VAR}"
        if not os.path.isdir(explicit):
            raise ValueError(f"{origin} {explicit!r} is not a folder")
        for folder in _candidate_folders(name, explicit):
            if os.path.isdir(folder):
                splits = _from_folder(name, folder)
                if splits is not None:
                    return ImageDataset(name, folder, splits)
        if data_dir:
            what = "the CelebA files (img_align_celeba/, list_attr_celeba.txt, list_eval_partition.txt)" if name == "celeba" \
                else "the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)"
            raise ValueError(f"--data-dir {data_dir!r} holds no {name} data: neither it nor its subfolders "
                             f"{', '.join(_FOLDER_NAMES[name])} contain {what}")
        tried.append(f"${ENV_VAR}={explicit}: no {name} files there")
    else:
        tried.append(f"--data-dir / ${ENV_VAR}: not set")
    for root in (DEBIAN_ROOT, *LOCAL_ROOTS):
        for sub in _FOLDER_NAMES[name]:
            folder = os.path.join(root, sub)
            if os.path.isdir(folder):
                splits = _from_folder(name, folder)
                if splits is not None:
                    return ImageDataset(name, folder, splits)
        tried.append(f"{root}/{_FOLDER_NAMES[name][0]}: not there")
    download = not os.environ.get(NO_DOWNLOAD_ENV)
    for dl in (False, True) if download else (False,):
        if dl:
            print(f"no local {name} data; trying a TFDS download ({NO_DOWNLOAD_ENV}=1 skips it)", file=sys.stderr,
                  flush=True)
        try:
            with contextlib.redirect_stdout(io.StringIO()), _quiet_logging():  # TFDS's banner, urllib3's retries
                return ImageDataset(name, f"tfds:{name}", _from_tfds(name, dl))
        except Exception as e:  # TFDS raises many kinds of errors when offline or unprepared
            tried.append(f"TFDS ({'download' if dl else 'prepared data'}): {type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}")
    hint = ("apt-get install dataset-fashion-mnist, or " if name == "fashion_mnist" else "")
    raise ValueError(
        f"no {name} data found. Tried:\n  - " + "\n  - ".join(tried)
        + f"\nFix: {hint}pass --data-dir DIR (or set ${ENV_VAR}) to a folder holding the original files."
    )
