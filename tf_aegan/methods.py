"""The defenses compared in Table 1, each a (classifier, purifier) pair loaded from a work directory.

A method whose networks are missing raises `MissingNetworks` with the command that trains them (or
says that no trainer exists yet), so a table can report it and go on with the others.
"""

import dataclasses
import os
from typing import Callable, Optional

from tf_aegan import checks, defaults, store
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
    rejects: bool = False  # MagNet: its detector rejects inputs whose reconstruction error is too high
    trained: str = ""      # how long its networks were trained (from their folder's history and config)
    folder: str = ""       # the folder of its own networks ("" for none): what its cached results depend on

    def gradient_paths(self):
        """How a white-box attacker differentiates through this defense: path name -> model_fn (images
        -> logits), as its purifier offers them (tf_aegan.purify.Purifier.gradient_paths)."""
        return self.purifier.gradient_paths(self.classifier)


def training_length(folder):
    """'N epochs' (or Defense-GAN's generator iterations) from a run folder's history.csv and config.json."""
    import csv
    import json

    if not folder or not os.path.isfile(os.path.join(folder, "history.csv")):
        return ""
    with open(os.path.join(folder, "history.csv")) as f:
        epochs = len({row["epoch"] for row in csv.DictReader(f)})
    config = {}
    if os.path.isfile(os.path.join(folder, "config.json")):
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
    if config.get("kind") == "defensegan":
        return f"{epochs * config.get('iterations_per_epoch', 1000)} generator iterations"
    started = " (this run's; it started from other networks)" if config.get("init_from") else ""
    recipe = _recipe_of(folder)
    if config.get("init_from") and recipe:  # a staged recipe: the epochs of every stage, from scratch
        total, stages = _recipe_epochs(recipe)
        if total and stages > 1:
            return f"{total} epochs ({stages} stages: {recipe})"
    return f"{epochs} epoch{'' if epochs == 1 else 's'}{started}"


def _recipe_of(folder):
    """The recipe (configs/...) a shipped network's manifest entry names, or None."""
    import json

    manifest = os.path.join(os.path.dirname(os.path.abspath(folder)), "manifest.json")
    if not os.path.isfile(manifest):
        return None
    with open(manifest) as f:
        entries = json.load(f).get("networks", {})
    prefix = os.path.basename(os.path.abspath(folder)) + "/"
    return next((e["recipe"] for k, e in entries.items() if k.startswith(prefix) and e.get("recipe")), None)


def _recipe_epochs(recipe):
    """(total epochs, stages) over a recipe and the stages it starts from (`tf_aegan.recipes.stages`)."""
    from tf_aegan.recipes import read_recipe, stages

    chain = [read_recipe(path) for _, path in stages(recipe)]
    if any(values is None for values in chain):
        return 0, 0
    return sum(int(values.get("epochs", 0)) for values in chain), len(chain)


def _load(loader, *args):
    """`loader(*args)`, its ValueError (missing or broken networks) raised as MissingNetworks."""
    try:
        return loader(*args)
    except ValueError as e:
        raise MissingNetworks(str(e)) from e


def _none(a, workdir, dataset, steps, folder):
    return Method("none", a, Purifier(tuple(a.input_shape[1:])))


def _searching(label):
    def load(a, workdir, dataset, steps, folder):
        enc, dec = _load(store.load_autoencoder, workdir, folder, dataset)
        pur = LatentSearchPurifier(enc, dec, mode="search", steps=steps, name=label)
        return Method(label, a, pur, white_box=pur.white_box_part)
    return load


def _magnet(a, workdir, dataset, steps, folder):
    hint = f"python -m train.magnet --dataset {dataset} --workdir {workdir}"
    enc, dec = _load(lambda: tuple(store.load_keras(os.path.join(workdir, folder, f"{net}.keras"), f"MagNet {net}", hint)
                                   for net in ("encoder", "decoder")))
    pur = LatentSearchPurifier(enc, dec, mode="reconstruct", name="magnet")
    # The reformer's accuracy is the table's number (as the paper reports MagNet); its detector's
    # threshold is set by the table on validation images, and the rows say what it rejected.
    return Method("magnet", a, pur, white_box=pur.white_box_part, rejects=True)


def _advtr(a, workdir, dataset, steps, folder):
    hint = f"python -m train.advtrain --dataset {dataset} --workdir {workdir}"
    path = os.path.join(workdir, folder, store.CLASSIFIER_FILE)
    robust = _load(store.load_keras, path, "PGD adversarially trained classifier A", hint)
    # No purifier: the white-box attack differentiates the adversarially trained classifier itself.
    return Method("advtr", robust, Purifier(tuple(robust.input_shape[1:])), white_box=lambda x: x, has_gray=False)


def _bigan_s(a, workdir, dataset, steps, folder):
    hint = f"python -m train.bigan --dataset {dataset} --workdir {workdir}"
    folder = os.path.join(workdir, folder)
    enc, dec = _load(lambda: tuple(store.load_keras(os.path.join(folder, f), f"BiGAN {f.split('.')[0]}", hint)
                                   for f in ("encoder.keras", "decoder.keras")))
    # Table 1: BiGAN+s searches 60 steps from its encoder's code.
    pur = LatentSearchPurifier(enc, dec, mode="search", steps=defaults.BIGAN_SEARCH_STEPS, name="bigan_s")
    return Method("bigan_s", a, pur, white_box=pur.white_box_part)


def _defensegan(a, workdir, dataset, steps, folder):
    hint = f"python -m train.defensegan --dataset {dataset} --workdir {workdir}"
    dec = _load(store.load_keras, os.path.join(workdir, folder, "decoder.keras"), "Defense-GAN generator", hint)
    # Defense-GAN's white-box attack (as its code and the paper ran it) gets no gradient through the
    # projection: white-box = gray-box on A. The adaptive attacks (BPDA, EOT) are evaluate.adaptive's.
    return Method("defensegan", a, DefenseGANPurifier(dec))


# The registry: one entry per defense, (loader, its default folder in the work directory); a loader
# takes (classifier A, workdir, dataset, L, folder) and returns a Method.
REGISTRY = {
    "none": (_none, None),
    "ours": (_searching("ours"), "aegan"),
    "advtr": (_advtr, "classifier_A_advtr"),
    "magnet": (_magnet, "magnet"),
    "bigan_s": (_bigan_s, "bigan"),
    "defensegan": (_defensegan, "defensegan"),
    "ae_s": (_searching("ae_s"), "ae_nonoise"),
}
METHODS = tuple(REGISTRY)


def load_method(name, workdir, dataset="fashion_mnist", classifier=None, steps=S.SEARCH_STEPS, aegan="aegan",
                folders=None, dgan=None):
    """Method `name` from `workdir`; `classifier` is classifier A when already loaded; `aegan` the
    AE-GAN folder of "ours" and `folders` (method -> folder) any other method's folder (a subfolder
    of `workdir`, or a path), e.g. {"magnet": "magnet_z20"} for Table 8. `dgan` ({"steps": L,
    "restarts": R}) overrides Defense-GAN's projection (its code's L = 200, R = 10): CPU-sized checks."""
    checks.one_of("method", name, REGISTRY)
    loader, folder = REGISTRY[name]
    folder = {"ours": aegan, **(folders or {})}.get(name, folder)
    a = classifier if classifier is not None else _load(store.load_classifier, workdir, "A", dataset)
    method = loader(a, workdir, dataset, steps, folder)
    if name == "defensegan" and dgan:
        from tf_aegan.purify import DefenseGANPurifier

        method.purifier = DefenseGANPurifier(method.purifier.decoder, **dgan)
    method.folder = os.path.join(workdir, folder) if folder else ""
    method.trained = training_length(method.folder or None)
    return method
