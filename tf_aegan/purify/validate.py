"""Input checks shared by every purifier: a wrong batch is refused with a message, never clipped."""

import numpy as np
import tensorflow as tf


def check_images(x, image_shape):
    """Return `x` as float32 after checking rank, size, channels, dtype, finiteness and the [0, 1] range.

    Raises ValueError naming the first problem found.
    """
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        x = np.asarray(x)
        dtype = x.dtype
    dtype = tf.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"images must be floating point in [0, 1], got dtype {dtype.name}")
    shape = tuple(x.shape)
    h, w, c = image_shape
    if len(shape) != 4:
        raise ValueError(f"images must have rank 4 [batch, {h}, {w}, {c}], got shape {shape}")
    if shape[0] == 0:
        raise ValueError(f"the batch is empty (shape {shape})")
    if tuple(shape[1:3]) != (h, w):
        raise ValueError(f"images must be {h}x{w}, got {shape[1]}x{shape[2]} (shape {shape})")
    if shape[3] != c:
        raise ValueError(f"images must have {c} channel(s), got {shape[3]} (shape {shape})")
    arr = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        kind = "NaN" if np.isnan(arr).any() else "infinite"
        raise ValueError(f"images hold {bad} non-finite value(s) ({kind})")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(f"image values must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]")
    return tf.convert_to_tensor(arr, tf.float32)
