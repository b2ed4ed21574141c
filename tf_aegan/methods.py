"""The defenses compared in Table 1, each a (classifier, purifier) pair loaded from a work directory.

A method whose networks are missing raises `MissingNetworks` with the command that trains them (or
says that no trainer exists yet), so a table can report it and go on with the others.
"""

import dataclasses
import os

from tf_aegan import store
from tf_aegan.purify import DefenseGANPurifier, LatentSearchPurifier, Purifier
from tf_aegan.purify import search as S

METHODS = ("none", "ours", "advtr", "magnet", "bigan_s", "defensegan", "ae_s")


class MissingNetworks(Exception):
    """The networks of a method are not in the work directory; the message says how to make them."""


@dataclasses.dataclass
class Method:
    name: str
    classifier: object
    purifier: Purifier
    has_gray: bool = True  # adversarial training has no hidden defense: no gray-box row


def _load(loader, *args):
    try:
        return loader(*args)
    except ValueError as e:
        raise MissingNetworks(str(e)) from e


def load_method(name, workdir, dataset="fashion_mnist", classifier=None, steps=S.SEARCH_STEPS, aegan="aegan"):
    """Method `name` from `workdir`; `classifier` is classifier A when already loaded; `aegan` the
    AE-GAN folder of "ours" (a subfolder of `workdir`, or a path)."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    a = classifier if classifier is not None else _load(store.load_classifier, workdir, "A", dataset)
    shape = tuple(a.input_shape[1:])
    if name == "none":
        return Method(name, a, Purifier(shape))
    if name == "ours":
        enc, dec = _load(store.load_autoencoder, workdir, aegan, dataset)
        return Method(name, a, LatentSearchPurifier(enc, dec, mode="search", steps=steps, name="ours"))
    if name == "ae_s":
        enc, dec = _load(store.load_autoencoder, workdir, "ae", dataset)
        return Method(name, a, LatentSearchPurifier(enc, dec, mode="search", steps=steps, name="ae_s"))
    if name == "magnet":
        folder = os.path.join(workdir, "magnet")
        if not os.path.isdir(folder):
            raise MissingNetworks(f"no MagNet auto-encoder at {folder}. Train it with: python -m train.aegan "
                                  f"--dataset {dataset} --workdir {workdir} --no-adversarial --name magnet")
        enc, dec = _load(store.load_autoencoder, workdir, "magnet", dataset)
        return Method(name, a, LatentSearchPurifier(enc, dec, mode="reconstruct", name="magnet"))
    if name == "advtr":
        folder = store.classifier_dir(workdir, "A_advtr")
        raise MissingNetworks(f"no PGD adversarially trained classifier at {folder}; tf-aegan has no trainer "
                              "for it yet")
    if name == "bigan_s":
        raise MissingNetworks(f"no BiGAN at {os.path.join(workdir, 'bigan')}; tf-aegan has no BiGAN trainer yet")
    folder = os.path.join(workdir, "defensegan")
    if not os.path.isfile(os.path.join(folder, "decoder.keras")):
        raise MissingNetworks(f"no Defense-GAN generator at {folder}/decoder.keras; tf-aegan has no "
                              "Defense-GAN (WGAN) trainer yet")
    dec = _load(store.load_keras, os.path.join(folder, "decoder.keras"), "Defense-GAN generator")
    return Method(name, a, DefenseGANPurifier(dec))
