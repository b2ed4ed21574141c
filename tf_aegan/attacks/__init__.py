"""Attacks in the CleverHans style: plain functions taking a `model_fn` (images -> logits)."""

from tf_aegan.attacks.corruption import half_mask
from tf_aegan.attacks.cw import carlini_wagner_l2
from tf_aegan.attacks.gradient import fgsm, pgd

__all__ = ["carlini_wagner_l2", "fgsm", "half_mask", "pgd"]
