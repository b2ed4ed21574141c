"""Threat models (Section 3.1), one function each; `attack(model_fn, x, y)` is any attack of this package.

- gray-box: the attacker knows classifier A, not the defense: examples are made against A alone.
- white-box: as the paper did, against A composed with the defense's differentiable part,
  `purifier.white_box_part`: A(G(F(x))) for the AE, AE-GAN and BiGAN families, A(AE(x)) for MagNet,
  A alone for Defense-GAN and adversarial training, whose purifiers give no gradient in that setting.
  (Attacks through the search itself are the adaptive attacks, kept apart.)
- white-box as the paper's code scored it ("white-zerograd"): Defense-GAN's `whitebox.py` attacks
  through a reconstruction computed by an optimizer updating a variable, so no gradient reaches the
  input and FGSM returns the clean image. Reproduced by a `tf.stop_gradient` on the purifier's
  output; this measures clean accuracy after purification, not robustness.
- black-box: Papernot et al. (2017): FGSM on a substitute trained from oracle labels (substitute.py).

Attack labels: "predicted" is CleverHans' y=None (the attack moves away from A's prediction), as
the paper's code calls it; "true" uses the true labels (a stronger attack on misclassified images).
"""

from tf_aegan.checks import one_of
from tf_aegan.defaults import ATTACK_LABELS as LABELS

THREATS = ("white", "white-zerograd", "gray", "black-A/B", "black-A/C")


def gray_box(attack, classifier, x, y):
    return attack(classifier, x, y)


def white_box(attack, classifier, part, x, y):
    """Against `classifier` composed with `part`, the defense's differentiable part (e.g. G(F(x)))."""
    return attack(lambda images: classifier(part(images)), x, y)


def white_box_zero_gradient(attack, classifier, purifier, x, y):
    """The paper's white-box protocol: the purifier passes no gradient (see the module docstring)."""
    import tensorflow as tf

    # The purified batch is a constant to the attack; adding 0 * x gives the zero gradient the code had
    # (stop_gradient alone gives None). Only the attack's loss and labels see it, never the output.
    fixed = tf.stop_gradient(tf.convert_to_tensor(purifier(x)))
    return attack(lambda images: classifier(fixed + 0.0 * images), x, y)


def attack_labels(labels, y_true):
    """The labels an attack gets: None for "predicted" (CleverHans' y=None: the attacked model's own
    predictions of the clean images, as the paper's code runs it) or the true ones. Every table and
    study takes its attack labels from here, so "predicted" means the same everywhere."""
    one_of("attack labels", labels, LABELS)
    return None if labels == "predicted" else y_true


def black_box(attack, substitute, x):
    """The attacker has no labels: the attack uses the substitute's own predictions."""
    return attack(substitute, x, None)
