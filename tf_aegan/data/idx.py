"""Reading the original IDX files of MNIST and Fashion-MNIST, with checks that name the bad file."""

import gzip
import hashlib
import os
import struct
import zlib

import numpy as np

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_MAGIC = {2049: 1, 2051: 3}  # labels: 1 dimension, images: 3 dimensions


def find_idx_file(folder, stem):
    """Path of `stem` (gzipped or not) in `folder`, or None."""
    for name in (stem + ".gz", stem):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def has_idx_files(folder):
    """True when all four IDX files are in `folder`."""
    return all(find_idx_file(folder, stem) for stem in IDX_FILES.values())


def verify_checksums(folder):
    """Check the files listed in `folder`/SHA256SUMS, if that file exists."""
    sums = os.path.join(folder, "SHA256SUMS")
    if not os.path.isfile(sums):
        return
    with open(sums) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            digest, name = parts[0], parts[1].lstrip("*")
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as g:
                got = hashlib.sha256(g.read()).hexdigest()
            if got != digest:
                raise ValueError(
                    f"{path} is corrupt: its SHA-256 is {got}, but {sums} lists {digest}. "
                    "Copy the file again from the original data set."
                )


def read_idx(path):
    """Read one IDX file into a uint8 array; a truncated or foreign file raises ValueError."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path} cannot be read as a {'gzip ' if path.endswith('.gz') else ''}IDX file: {e}") from e
    if len(raw) < 8:
        raise ValueError(f"{path} is too short ({len(raw)} bytes) to be an IDX file")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic not in _MAGIC:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic number {magic:#010x})")
    ndim = _MAGIC[magic]
    header = 4 + 4 * ndim
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header promises {expected} bytes of data "
            f"for shape {dims}, the file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_idx_folder(folder):
    """Train and test images (N, 28, 28, 1) uint8 and labels (N,) int64 from a folder of IDX files."""
    missing = [stem for stem in IDX_FILES.values() if not find_idx_file(folder, stem)]
    if missing:
        raise ValueError(f"{folder} lacks the IDX files {', '.join(s + '.gz' for s in missing)}")
    verify_checksums(folder)
    out = {key: read_idx(find_idx_file(folder, stem)) for key, stem in IDX_FILES.items()}
    for part in ("train", "test"):
        images, labels = out[f"{part}_images"], out[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{folder}: {part} images of shape {images.shape} do not match labels of shape {labels.shape}"
            )
    return (
        (out["train_images"][..., None], out["train_labels"].astype(np.int64)),
        (out["test_images"][..., None], out["test_labels"].astype(np.int64)),
    )
