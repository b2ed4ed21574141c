"""Purification: latent search (Algorithm 2), Defense-GAN's projection, the detector (Section 4.4)."""

from tf_aegan.purify.detector import Detector
from tf_aegan.purify.purifier import DefenseGANPurifier, LatentSearchPurifier, Purified, Purifier
from tf_aegan.purify.validate import check_images

__all__ = ["Detector", "DefenseGANPurifier", "LatentSearchPurifier", "Purified", "Purifier", "check_images",
           "fitted_gated_purifier"]


def fitted_gated_purifier(encoder, decoder, data, fpr=None, n_val=None, **kwargs):
    """The detector-gated purifier with its threshold set on clean validation images of `data`
    (an ImageDataset) for the false-positive rate `fpr` (Section 4.4; defaults in tf_aegan.defaults)."""
    from tf_aegan import defaults

    fpr = defaults.DETECTOR_FPR if fpr is None else fpr
    n_val = min(defaults.DETECTOR_VAL_IMAGES if n_val is None else n_val, data.split("val").size)
    purifier = LatentSearchPurifier(encoder, decoder, mode="gated", **kwargs)
    purifier.detector.fit_threshold(data.arrays("val", n_val)[0], fpr)
    return purifier
