"""Purification: latent search (Algorithm 2), Defense-GAN's projection, the detector (Section 4.4)."""

from tf_aegan.purify.detector import Detector
from tf_aegan.purify.purifier import DefenseGANPurifier, LatentSearchPurifier, Purified, Purifier
from tf_aegan.purify.validate import check_images

__all__ = ["Detector", "DefenseGANPurifier", "LatentSearchPurifier", "Purified", "Purifier", "check_images"]
