"""Network builders: classifiers A, B, C (Table 5), the AE-GAN networks (Table 6), Defense-GAN's
critic and BiGAN's joint discriminator (the baselines of Table 1)."""

from tf_aegan.models.aegan_nets import build_decoder, build_discriminator, build_encoder
from tf_aegan.models.bigan_nets import build_joint_discriminator
from tf_aegan.models.classifiers import ARCHS, build_classifier, build_dual_view, widen_input
from tf_aegan.models.wgan_nets import build_critic

__all__ = ["ARCHS", "build_classifier", "build_critic", "build_decoder", "build_discriminator", "build_dual_view",
           "build_encoder", "build_joint_discriminator", "widen_input"]
