"""The defenses compared in Table 1, each a (classifier, purifier) pair loaded from a work directory.

A method whose networks are missing raises `MissingNetworks` with the command that trains them (or
says that no trainer exists yet), so a table can report it and go on with the others.
"""

import dataclasses
import os
from typing import Callable, Optional

from tf_aegan import store
from tf_aegan.purify import DefenseGANPurifier, LatentSearchPurifier, Purifier
from tf_aegan.purify import search as S



class MissingNetworks(Exception):
    """The networks of a method are not in the work directory; the message says how to make them."""


@dataclasses.dataclass
class Method:
    """A defense as Table 1 uses it: the classifier, the purifier, and the part a white-box attacker
    differentiates through (None: the purifier gives no gradient, so white-box = gray-box on A)."""
    name: str
    classifier: object
    purifier: Purifier
    white_box: Optional[Callable] = None
    has_gray: bool = True  # adversarial training has no hidden defense: no gray-box row


def _load(loader, *args):
    try:
        return loader(*args)
    except ValueError as e:
        raise MissingNetworks(str(e)) from e


def _none(a, workdir, dataset, steps, aegan):
    return Method("none", a, Purifier(tuple(a.input_shape[1:])))


def _searching(folder_of, label):
    def load(a, workdir, dataset, steps, aegan):
        enc, dec = _load(store.load_autoencoder, workdir, folder_of(aegan), dataset)
        pur = LatentSearchPurifier(enc, dec, mode="search", steps=steps, name=label)
        return Method(label, a, pur, white_box=pur.white_box_part)
    return load


def _magnet(a, workdir, dataset, steps, aegan):
    folder = os.path.join(workdir, "magnet")
    if not os.path.isdir(folder):
        raise MissingNetworks(f"no MagNet auto-encoder at {folder}. Train it with: python -m train.aegan "
                              f"--dataset {dataset} --workdir {workdir} --no-adversarial --name magnet")
    enc, dec = _load(store.load_autoencoder, workdir, "magnet", dataset)
    pur = LatentSearchPurifier(enc, dec, mode="reconstruct", name="magnet")
    return Method("magnet", a, pur, white_box=pur.white_box_part)


def _advtr(a, workdir, dataset, steps, aegan):
    folder = store.classifier_dir(workdir, "A_advtr")
    raise MissingNetworks(f"no PGD adversarially trained classifier at {folder}; tf-aegan has no trainer for it yet")


def _bigan_s(a, workdir, dataset, steps, aegan):
    raise MissingNetworks(f"no BiGAN at {os.path.join(workdir, 'bigan')}; tf-aegan has no BiGAN trainer yet")


def _defensegan(a, workdir, dataset, steps, aegan):
    folder = os.path.join(workdir, "defensegan")
    if not os.path.isfile(os.path.join(folder, "decoder.keras")):
        raise MissingNetworks(f"no Defense-GAN generator at {folder}/decoder.keras; tf-aegan has no "
                              "Defense-GAN (WGAN) trainer yet")
    dec = _load(store.load_keras, os.path.join(folder, "decoder.keras"), "Defense-GAN generator")
    return Method("defensegan", a, DefenseGANPurifier(dec))


# The registry: one entry per defense, each a loader (classifier A, workdir, dataset, L, AE-GAN folder) -> Method.
REGISTRY = {
    "none": _none,
    "ours": _searching(lambda aegan: aegan, "ours"),
    "advtr": _advtr,
    "magnet": _magnet,
    "bigan_s": _bigan_s,
    "defensegan": _defensegan,
    "ae_s": _searching(lambda aegan: "ae", "ae_s"),
}
METHODS = tuple(REGISTRY)


def load_method(name, workdir, dataset="fashion_mnist", classifier=None, steps=S.SEARCH_STEPS, aegan="aegan"):
    """Method `name` from `workdir`; `classifier` is classifier A when already loaded; `aegan` the
    AE-GAN folder of "ours" (a subfolder of `workdir`, or a path)."""
    if name not in REGISTRY:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    a = classifier if classifier is not None else _load(store.load_classifier, workdir, "A", dataset)
    return REGISTRY[name](a, workdir, dataset, steps, aegan)
