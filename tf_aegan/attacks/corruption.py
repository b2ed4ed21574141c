"""The half-masked corruption of Table 3 and Figure 5(c): half of the image blocked out."""

import numpy as np

from tf_aegan import checks

SIDES = ("bottom", "top", "left", "right")


def half_mask(x, side="bottom", value=0.0):
    """Images with one half (`side`) set to `value`; the paper does not say which half, we block the bottom."""
    checks.one_of("side", side, SIDES)
    x = np.array(x, dtype=np.float32, copy=True)
    h, w = x.shape[1], x.shape[2]
    region = {"bottom": (slice(h // 2, None), slice(None)), "top": (slice(None, h // 2), slice(None)),
              "left": (slice(None), slice(None, w // 2)), "right": (slice(None), slice(w // 2, None))}[side]
    x[:, region[0], region[1], :] = value
    return x
