import gzip
import hashlib
import os

import numpy as np
import pytest

from tests.conftest import SHARED_FMNIST, make_idx_folder
from tf_aegan.data import load_dataset


def test_idx_folder_gives_paper_splits(idx_dir):
    d = load_dataset("mnist", idx_dir)
    sizes = {k: v.size for k, v in d.splits.items()}
    assert sizes == {"train": 80, "val": 4, "test": 40, "dev": 40, "holdout": 20, "blackbox": 20}
    x, y = d.arrays("train")
    assert x.shape == (80, 28, 28, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert y.dtype == np.int64
    batch = next(iter(d.pipeline("test", 16)))
    assert batch[0].shape == (16, 28, 28, 1)


def test_splits_are_fixed_and_disjoint(idx_dir):
    a, b = load_dataset("mnist", idx_dir), load_dataset("mnist", idx_dir)
    for split in ("train", "val", "dev", "holdout", "blackbox"):
        np.testing.assert_array_equal(a.arrays(split)[0], b.arrays(split)[0])
    train, val = a.arrays("train")[0].reshape(80, -1), a.arrays("val")[0].reshape(4, -1)
    assert not any((train == v).all(axis=1).any() for v in val)
    hold, rest, test = (a.arrays(s)[0].reshape(-1, 784) for s in ("holdout", "blackbox", "test"))
    assert len(hold) + len(rest) == len(test)
    assert not any((rest == h).all(axis=1).any() for h in hold)


@pytest.mark.skipif(not os.path.isdir(SHARED_FMNIST), reason="../shared/datasets/fashion-mnist not beside the repo")
def test_real_fashion_mnist_sizes():
    d = load_dataset("fashion_mnist", SHARED_FMNIST)
    assert {k: v.size for k, v in d.splits.items()} == {
        "train": 57143, "val": 2857, "test": 10000, "dev": 2000, "holdout": 150, "blackbox": 9850}


def test_parent_folder_and_env_var(tmp_path, monkeypatch):
    make_idx_folder(tmp_path / "fashion-mnist")
    assert load_dataset("fashion_mnist", str(tmp_path)).split("train").size == 80
    monkeypatch.setenv("TF_AEGAN_DATA_DIR", str(tmp_path))
    assert load_dataset("fashion_mnist").source.endswith("fashion-mnist")


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")


def test_missing_file_is_named(idx_dir):
    os.remove(os.path.join(idx_dir, "t10k-labels-idx1-ubyte.gz"))
    with pytest.raises(ValueError, match="holds no mnist data"):
        load_dataset("mnist", idx_dir)


def test_truncated_file_is_named(idx_dir):
    path = os.path.join(idx_dir, "train-images-idx3-ubyte.gz")
    with gzip.open(path) as f:
        raw = f.read()
    with gzip.open(path, "wb") as f:
        f.write(raw[:-100])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz is truncated"):
        load_dataset("mnist", idx_dir)


def test_not_gzip_is_named(idx_dir):
    path = os.path.join(idx_dir, "train-labels-idx1-ubyte.gz")
    with open(path, "wb") as f:
        f.write(b"this is not gzip data at all")
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz cannot be read"):
        load_dataset("mnist", idx_dir)


def test_checksum_mismatch(idx_dir):
    path = os.path.join(idx_dir, "t10k-images-idx3-ubyte.gz")
    with open(os.path.join(idx_dir, "SHA256SUMS"), "w") as f:
        f.write(f"{hashlib.sha256(b'other').hexdigest()}  t10k-images-idx3-ubyte.gz\n")
    with pytest.raises(ValueError, match="corrupt: its SHA-256"):
        load_dataset("mnist", idx_dir)
    with open(path, "rb") as g, open(os.path.join(idx_dir, "SHA256SUMS"), "w") as f:
        f.write(f"{hashlib.sha256(g.read()).hexdigest()}  t10k-images-idx3-ubyte.gz\n")
    assert load_dataset("mnist", idx_dir).split("test").size == 40


def test_no_source_lists_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.delenv("TF_AEGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("TF_AEGAN_NO_DOWNLOAD", "1")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("tf_aegan.data.LOCAL_ROOTS", (str(tmp_path / "data"),))
    with pytest.raises(ValueError) as e:
        load_dataset("mnist")
    msg = str(e.value)
    assert "no mnist data found" in msg and "--data-dir" in msg and "TFDS (prepared data)" in msg


def test_celeba_folder(celeba_dir):
    d = load_dataset("celeba", celeba_dir)
    assert d.image_shape == (64, 64, 3) and d.num_classes == 2
    assert {k: d.split(k).size for k in ("train", "val", "test")} == {"train": 6, "val": 3, "test": 3}
    x, y = d.arrays("train")
    assert x.shape == (6, 64, 64, 3) and 0 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(y, [0, 1, 0, 1, 0, 1])
    assert d.arrays("holdout")[0].shape[0] + d.arrays("blackbox")[0].shape[0] == 3


def test_celeba_folder_missing_image(celeba_dir):
    os.remove(os.path.join(celeba_dir, "img_align_celeba", "000003.jpg"))
    with pytest.raises(ValueError, match="000003.jpg is listed"):
        load_dataset("celeba", celeba_dir)


def test_tfds_paths_with_mock_data():
    import tensorflow_datasets as tfds

    from tf_aegan.data import _from_tfds

    with tfds.testing.mock_data(num_examples=30):
        splits = _from_tfds("mnist", download=False)
        assert splits["train"].images.shape[1:] == (28, 28, 1)
        assert splits["train"].size + splits["val"].size == 30
        celeb = _from_tfds("celeba", download=False)
        x, y = next(iter(celeb["train"].dataset().batch(4)))
        assert x.shape == (4, 64, 64, 3) and set(np.unique(y.numpy())) <= {0, 1}
        x, _ = next(iter(celeb["dev"].dataset().batch(50)))
        assert x.shape[0] == celeb["dev"].size


def test_a_checkout_finds_data_beside_it_without_options(tmp_path, monkeypatch):
    """The README's commands work as written: data/ in the checkout or shared/datasets/ beside it."""
    from tests.conftest import make_idx_folder

    monkeypatch.delenv("TF_AEGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("TF_AEGAN_NO_DOWNLOAD", "1")
    make_idx_folder(tmp_path / "shared" / "mnist")
    monkeypatch.setattr("tf_aegan.data.LOCAL_ROOTS", (str(tmp_path / "data"), str(tmp_path / "shared")))
    d = load_dataset("mnist")
    assert d.source == str(tmp_path / "shared" / "mnist") and d.split("test").size == 40


def test_missing_celeba_is_one_error_and_no_tfds_banner(monkeypatch, tmp_path, capsys):
    import tf_aegan.data as data

    monkeypatch.delenv("TF_AEGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("TF_AEGAN_NO_DOWNLOAD", "1")
    monkeypatch.setattr(data, "LOCAL_ROOTS", (str(tmp_path),))
    monkeypatch.setattr(data, "DEBIAN_ROOT", str(tmp_path / "debian"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with pytest.raises(ValueError, match="no celeba data found"):
        data.load_dataset("celeba")
    assert capsys.readouterr().out == ""


def test_tfds_celeba_builder_imports():
    """tensorflow-datasets' CelebA builder needs importlib_resources, which it does not declare."""
    import importlib_resources  # noqa: F401
    import tensorflow_datasets as tfds

    assert tfds.builder_cls("celeb_a").name == "celeb_a"
