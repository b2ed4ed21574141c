"""Threat models (Section 3.1), one function each; `attack(model_fn, x, y)` is any attack of this package.

- gray-box: the attacker knows classifier A, not the defense: examples are made against A alone.
- white-box: as the paper did, against A composed with the defense's differentiable part,
  `purifier.white_box_part`: A(G(F(x))) for the AE, AE-GAN and BiGAN families, A(AE(x)) for MagNet,
  A alone for Defense-GAN and adversarial training, whose purifiers give no gradient in that setting.
  (Attacks through the search itself are the adaptive attacks, kept apart.)
- black-box: Papernot et al. (2017): FGSM on a substitute trained from oracle labels (substitute.py).
"""

THREATS = ("white", "gray", "black-A/B", "black-A/C")


def gray_box(attack, classifier, x, y):
    return attack(classifier, x, y)


def white_box(attack, classifier, purifier, x, y):
    return attack(lambda images: classifier(purifier.white_box_part(images)), x, y)


def black_box(attack, substitute, x):
    """The attacker has no labels: the attack uses the substitute's own predictions."""
    return attack(substitute, x, None)
