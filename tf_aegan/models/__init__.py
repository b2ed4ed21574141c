"""Network builders: classifiers A, B, C (Table 5) and the AE-GAN networks (Table 6)."""

from tf_aegan.models.aegan_nets import build_decoder, build_discriminator, build_encoder
from tf_aegan.models.classifiers import ARCHS, build_classifier

__all__ = ["ARCHS", "build_classifier", "build_decoder", "build_discriminator", "build_encoder"]
