"""Where trained networks live in a work directory, and loading them with clear errors."""

import hashlib
import json
import os

import keras

import tf_aegan.models  # noqa: F401  registers UnitNormNormal, which saved classifiers name
from tf_aegan.cli import REPO_ROOT  # noqa: F401  where committed paths are relative to (others import it from here)

MANIFEST = "manifest.json"


def shipped_dir(dataset):
    """weights/<dataset>/ of the repository: the reference networks behind RESULTS.md."""
    return os.path.join(REPO_ROOT, "weights", dataset)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_against_manifest(path):
    """If a manifest.json beside the network's folder lists this file, check its size and SHA-256."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    manifest = os.path.join(root, MANIFEST)
    if not os.path.isfile(manifest):
        return
    with open(manifest) as f:
        entry = json.load(f).get("networks", {}).get(os.path.relpath(os.path.abspath(path), root))
    if entry is None:
        return
    size, digest = os.path.getsize(path), sha256(path)
    if size != entry["bytes"] or digest != entry["sha256"]:
        raise ValueError(f"{path} is corrupt or truncated: {size} bytes with SHA-256 {digest[:16]}..., but "
                         f"{manifest} lists {entry['bytes']} bytes with {entry['sha256'][:16]}... "
                         "Restore it with git checkout, or retrain it.")

CLASSIFIER_FILE = "classifier.keras"
NETWORK_FILES = ("encoder.keras", "decoder.keras", "discriminator.keras")


def classifier_dir(workdir, arch):
    return os.path.join(workdir, f"classifier_{arch}")


def aegan_name(adversarial=True, noise=True, latent_dim=128):
    """Folder name of an AE-GAN variant: aegan (AE-GAN+r), aegan_nonoise (AE-GAN), ae (plain AE)."""
    name = "aegan" if adversarial else "ae"
    if not noise:
        name += "_nonoise"
    if latent_dim != 128:
        name += f"_z{latent_dim}"
    return name


def as_dtype(model, dtype):
    """A copy of the functional `model` whose layers hold (and compute in) `dtype`: float16 halves a
    shipped file; every loader turns it back into float32 (`load_keras`)."""
    def clone(layer):
        config = layer.get_config()
        config["dtype"] = dtype
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights([w.astype(dtype) for w in model.get_weights()])
    return copy


def load_keras(path, what, train_hint=None):
    """Load a `.keras` file; a missing or broken one raises ValueError naming it and how to make it."""
    hint = f" Train it with: {train_hint}" if train_hint else ""
    if not os.path.isfile(path):
        raise ValueError(f"no {what} at {path}.{hint}")
    verify_against_manifest(path)
    from tf_aegan import quiet_native_stderr

    # oneDNN's one-off "supports DT_HALF only on platforms with AVX-512" line on float16 weights stays out
    with quiet_native_stderr():
        try:
            model = keras.saving.load_model(path, compile=False)
        except Exception as e:  # Keras raises several types for a broken archive
            raise ValueError(f"{path} is not a loadable {what} ({type(e).__name__}: {e}).{hint}") from e
        if any(w.dtype == "float16" for w in model.weights):  # stored in float16 to save space: compute in float32
            model = as_dtype(model, "float32")
    return model


def load_classifier(workdir, arch="A", dataset="fashion_mnist"):
    return load_keras(os.path.join(classifier_dir(workdir, arch), CLASSIFIER_FILE), f"classifier {arch}",
                      f"python -m train.classifier --dataset {dataset} --arch {arch} --workdir {workdir}")


# Algorithm 2's settings chosen for the network of its folder on validation images (evaluate.search_params
# --save-pick): the search of every purifier built on that encoder uses them instead of tf_aegan.defaults'.
SEARCH_FILE = "search.json"
SEARCH_KEYS = ("steps", "step_size", "factor", "period")


def search_settings(folder):
    """The search settings chosen for the network in `folder` ({} when none were: the defaults apply)."""
    path = os.path.join(folder, SEARCH_FILE)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path) as f:
            given = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON ({e})") from None
    return {k: given[k] for k in SEARCH_KEYS if k in given}


def load_autoencoder(workdir, name="aegan", dataset="fashion_mnist"):
    """(encoder, decoder) of the AE-GAN variant `name` in `workdir`; the encoder carries the folder's
    search settings (`search_settings`) as `search_settings`, which LatentSearchPurifier uses."""
    folder = os.path.join(workdir, name)
    hint = f"python -m train.aegan --dataset {dataset} --workdir {workdir}"
    encoder, decoder = (load_keras(os.path.join(folder, f), f"{name} {f.split('.')[0]}", hint) for f in NETWORK_FILES[:2])
    object.__setattr__(encoder, "search_settings", search_settings(folder))  # untracked by Keras: no weights
    return encoder, decoder
