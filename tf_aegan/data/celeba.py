"""CelebA as Defense-GAN used it: a centre crop resized to 64x64, gender ("Male") as the label."""

import os

import numpy as np
import tensorflow as tf

IMAGE_SIZE = 64
CROP = 108  # the centre crop of the 178x218 aligned faces, as in DCGAN / Defense-GAN
ATTR_FILE = "list_attr_celeba.txt"
PARTITION_FILE = "list_eval_partition.txt"
IMAGE_FOLDER = "img_align_celeba"


def preprocess(image):
    """uint8 (H, W, 3) face -> float32 (64, 64, 3) in [0, 1]: centre crop, then area resize."""
    image = tf.convert_to_tensor(image)
    h, w = tf.shape(image)[0], tf.shape(image)[1]
    size = tf.minimum(tf.minimum(h, w), CROP)
    image = tf.image.crop_to_bounding_box(image, (h - size) // 2, (w - size) // 2, size, size)
    image = tf.image.resize(tf.cast(image, tf.float32) / 255.0, (IMAGE_SIZE, IMAGE_SIZE), method="area")
    return tf.clip_by_value(image, 0.0, 1.0)


def has_celeba_folder(folder):
    return all(
        os.path.exists(os.path.join(folder, name)) for name in (ATTR_FILE, PARTITION_FILE, IMAGE_FOLDER)
    )


def read_celeba_folder(folder):
    """File paths, gender labels and official partitions (0 train, 1 val, 2 test) of a CelebA folder."""
    attr_path = os.path.join(folder, ATTR_FILE)
    with open(attr_path) as f:
        lines = f.read().splitlines()
    if len(lines) < 3:
        raise ValueError(f"{attr_path} is empty or truncated ({len(lines)} lines)")
    names = lines[1].split()
    if "Male" not in names:
        raise ValueError(f"{attr_path} has no 'Male' attribute column; its header is {lines[1][:80]!r}")
    col = names.index("Male") + 1
    labels = {}
    for line in lines[2:]:
        parts = line.split()
        if len(parts) != len(names) + 1:
            raise ValueError(f"{attr_path}: malformed line {line[:80]!r}")
        labels[parts[0]] = 1 if parts[col] == "1" else 0
    partition_path = os.path.join(folder, PARTITION_FILE)
    files, ys, parts = [], [], []
    with open(partition_path) as f:
        for line in f:
            fields = line.split()
            if len(fields) != 2:
                continue
            name, part = fields
            if name not in labels:
                raise ValueError(f"{partition_path} lists {name}, which {attr_path} does not")
            path = os.path.join(folder, IMAGE_FOLDER, name)
            if not os.path.isfile(path):
                raise ValueError(f"{path} is listed in {partition_path} but missing")
            files.append(path)
            ys.append(labels[name])
            parts.append(int(part))
    if not files:
        raise ValueError(f"{partition_path} lists no images")
    return np.array(files), np.array(ys, np.int64), np.array(parts)


def decode_file(path):
    return preprocess(tf.io.decode_jpeg(tf.io.read_file(path), channels=3))
