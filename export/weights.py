"""Copy a work directory's inference networks into weights/<dataset>/ with a manifest and checksums.

The manifest records, for each network, how it was trained (command, epochs, final losses, test
accuracy) and its size and SHA-256, which `tf_aegan.store` verifies on every load.
"""

import json
import os
import platform
import shutil

from tf_aegan import cli
from tf_aegan.defaults import BIGAN_BETA_2, PRE_OPTION_READING

AUTOENCODER = ["encoder.keras", "decoder.keras"]
NETWORKS = {
    "classifier_A": ["classifier.keras"],
    "classifier_substitute_B": ["classifier.keras"],
    "classifier_substitute_C": ["classifier.keras"],
    "aegan": AUTOENCODER,
    # Table 3's ablation, Table 8's latent 20 and the baselines of Table 1, when the work directory has them.
    "aegan_nonoise": AUTOENCODER,
    "ae_nonoise": AUTOENCODER,
    "aegan_z20": AUTOENCODER,
    "aegan_z128": AUTOENCODER,  # the latent-128 AE-GAN+r, when the latent-20 one is Ours
    "magnet": AUTOENCODER,
    "magnet_z20": AUTOENCODER,
    "bigan": AUTOENCODER,
    "defensegan": ["decoder.keras"],
    "classifier_A_advtr": ["classifier.keras"],
}


# train.aegan options written into the manifest's command when a run used another value.
AEGAN_DEFAULTS = {"latent_dim": 128, "noise_eta": 0.3, "noise_schedule": "uniform", "recon_reduction": "sum",
                  "noise": "gaussian", "init_from": None, "precision": "float32"}


def _status(folder, config):
    """'' when the run trained every epoch it was asked for, else a note that it stopped early (the same
    command resumes it)."""
    from tf_aegan.train.runner import logged_epochs

    done = logged_epochs(folder)
    if not done or not config.get("epochs") and not config.get("iterations"):
        return ""
    if config.get("kind") == "defensegan":
        per = config.get("iterations_per_epoch", 1000)
        done, target, unit = done * per, config["iterations"], "generator iterations"
    else:
        target, unit = config["epochs"], "epochs"
    return f" (stopped after {done} of {target} {unit}; the same command resumes it)" if done < target else ""


def _command(folder, config):
    """The command that remakes a run: its recipe (configs/..., whose SHA-256 the config records) where it
    was trained from one, else the options its config.json records."""
    base = _base_command(folder, config)
    if config.get("recipe"):
        base = recipe_command(config["recipe"], " ".join(base.split()[:3]))
    return base + _status(folder, config)


def _recipe_fields(config):
    """The recipe a run was trained from and the hash its run recorded; a recipe edited since is said so."""
    if not config.get("recipe"):
        return {}
    from tf_aegan.store import REPO_ROOT

    path = os.path.join(REPO_ROOT, config["recipe"])
    now = cli.config_hash(path) if os.path.isfile(path) else None
    if now != config.get("recipe_sha256"):
        print(f"note: {config['recipe']} is not the file its run was trained from "
              f"(run: {config.get('recipe_sha256')}, now: {now})")
    return {"recipe": config["recipe"], "recipe_sha256": config.get("recipe_sha256")}


def recipe_command(recipe, command):
    """`command --config recipe`, after the commands of the stages it starts from
    (`tf_aegan.recipes.stages`), so the whole recipe runs from scratch."""
    from tf_aegan.recipes import stages

    return " && ".join(f"python -m {module} --config {path}" if module else f"{command} --config {path}"
                       for module, path in stages(recipe))


def _base_command(folder, config):
    kind = config.get("kind")
    if kind == "classifier":
        config = {**PRE_OPTION_READING, **config}
        return (f"python -m train.classifier --dataset {config['dataset']} --arch {config['arch']} "
                f"--epochs {config['epochs']} --seed {config['seed']} --init {config['init']} "
                f"--dropout {config['dropout']}")
    if kind == "aegan" and not config.get("adversarial", True) and config.get("noise_schedule") == "fixed":
        return (f"python -m train.magnet --dataset {config['dataset']} --epochs {config['epochs']} "
                f"--latent-dim {config['latent_dim']} --noise {config['noise_eta']} --seed {config['seed']}")
    if kind == "aegan":
        from tf_aegan.store import REPO_ROOT

        config = dict(config)
        if (config.get("init_from") or "").startswith(REPO_ROOT + os.sep):
            config["init_from"] = os.path.relpath(config["init_from"], REPO_ROOT)
        options = [f"--{k.replace('_', '-')} {config[k]}" for k, default in AEGAN_DEFAULTS.items()
                   if config.get(k) not in (None, default)]
        if not config.get("adversarial", True):
            options.append("--no-adversarial")
        return (f"python -m train.aegan --dataset {config['dataset']} --epochs {config['epochs']} --seed {config['seed']}"
                + "".join(f" {o}" for o in options))
    if kind == "defensegan":
        return (f"python -m train.defensegan --dataset {config['dataset']} --iterations {config['iterations']} "
                f"--seed {config['seed']}")
    if kind == "bigan":
        extra = " --discriminator-batchnorm" if config.get("discriminator_batchnorm") else ""
        if config.get("beta_2", BIGAN_BETA_2) != BIGAN_BETA_2:
            extra += f" --beta-2 {config['beta_2']}"
        return (f"python -m train.bigan --dataset {config['dataset']} --epochs {config['epochs']} "
                f"--seed {config['seed']}{extra}")
    if kind == "advtrain":
        return (f"python -m train.advtrain --dataset {config['dataset']} --epochs {config['epochs']} "
                f"--eps {config['eps']} --steps {config['steps']} --step-size {config['step_size']} --seed {config['seed']}")
    return f"python -m train.substitute --dataset fashion_mnist --arch {os.path.basename(folder)[-1]}"


def _same_weights(model, dest):
    """True when `dest` already holds a network with exactly `model`'s weights (re-saving changes the bytes)."""
    if not os.path.isfile(dest):
        return False
    try:
        import keras

        old = keras.saving.load_model(dest, compile=False).get_weights()
    except Exception:  # a broken or foreign file is simply replaced
        return False
    new = model.get_weights()
    return len(old) == len(new) and all(a.shape == b.shape and a.dtype == b.dtype and (a == b).all()
                                        for a, b in zip(old, new))


# Issue 10: a network may be stored in float16 when that changes no accuracy by more than this.
FLOAT16_TOLERANCE = 0.002
FLOAT16_CHECK_IMAGES = 2000


def float16_change(sub, src, dataset, classifier_dir, data_dir=None):
    """How much storing `src`'s networks in float16 changes an accuracy: a classifier's on the first
    test images; an auto-encoder's as classifier A's accuracy on G(F(x)); a generator's as the share
    of G(z) that A labels differently."""
    import numpy as np

    from tf_aegan import store
    from tf_aegan.data import load_dataset
    from tf_aegan.evaluation import predict_labels

    data = load_dataset(dataset, data_dir)
    x, y = data.arrays("test", min(FLOAT16_CHECK_IMAGES, data.split("test").size))
    both = lambda net: (net, store.as_dtype(store.as_dtype(net, "float16"), "float32"))  # noqa: E731
    load = lambda name: store.load_keras(os.path.join(src, name), name)  # noqa: E731
    if sub.startswith("classifier_"):
        accs = [float((predict_labels(c, x) == y).mean()) for c in both(load("classifier.keras"))]
        return abs(accs[0] - accs[1])
    a = store.load_classifier(classifier_dir, "A", dataset)
    dec32, dec16 = both(load("decoder.keras"))
    if not os.path.isfile(os.path.join(src, "encoder.keras")):
        z = np.random.default_rng(0).normal(size=(len(x), int(dec32.input_shape[-1]))).astype(np.float32)
        return float((predict_labels(a, dec32.predict(z, verbose=0)) != predict_labels(a, dec16.predict(z, verbose=0))).mean())
    enc32, enc16 = both(load("encoder.keras"))
    accs = [float((predict_labels(a, d.predict(e.predict(x, verbose=0), verbose=0)) == y).mean())
            for e, d in ((enc32, dec32), (enc16, dec16))]
    return abs(accs[0] - accs[1])


@cli.exits_cleanly
def main(argv=None):
    p = cli.parser("python -m export.weights", __doc__)
    p.add_argument("--workdir", default=None, help="work directory holding the trained networks")
    p.add_argument("--dataset", default="fashion_mnist", help="data set the networks were trained on")
    p.add_argument("--out", default=None, help="destination (default: weights/<dataset> of the repository)")
    p.add_argument("--train-seconds", action="append", default=[], metavar="SUBFOLDER=SECONDS",
                   help="training time of a network, when its run recorded none (repeatable)")
    p.add_argument("--float16", action="append", default=[], metavar="SUBFOLDER",
                   help=f"store this subfolder's networks in float16 when that changes no accuracy by more than "
                        f"{FLOAT16_TOLERANCE} (checked on {FLOAT16_CHECK_IMAGES} test images; repeatable; 'all')")
    p.add_argument("--data-dir", default=None, help="data for the float16 check (default: as every command finds it)")
    p.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                   help="instead of shipping: rename a shipped subfolder and its manifest entries, in the order given "
                        "(e.g. --rename aegan=aegan_z128 --rename aegan_z20=aegan to make the latent-20 network Ours)")
    args = p.parse_args(argv)
    if args.rename:
        if args.workdir:
            raise ValueError("--rename renames shipped networks; it takes no --workdir")
        return rename(args.rename, args.dataset, args.out)
    if not args.workdir:
        raise ValueError("--workdir is needed (the trained networks to ship), unless --rename")
    return ship(args.workdir, args.dataset, args.out, args.train_seconds, args.float16, args.data_dir)


def rename(pairs, dataset="fashion_mnist", out=None):
    """Rename shipped subfolders of `out` (default weights/<dataset>) and their manifest entries, each pair
    ("OLD=NEW") in turn: a network a rule picked becomes the one commands load by default (Ours is `aegan`)
    without copying weights, and the one it replaces keeps its own name. Returns the manifest."""
    from tf_aegan.store import MANIFEST, shipped_dir

    out = out or shipped_dir(dataset)
    with open(os.path.join(out, MANIFEST)) as f:
        manifest = json.load(f)
    for pair in pairs:
        old, _, new = pair.partition("=")
        if not old or not new or "/" in old + new:
            raise ValueError(f"--rename wants OLD=NEW (two subfolder names), got {pair!r}")
        if not os.path.isdir(os.path.join(out, old)):
            raise ValueError(f"--rename: {os.path.join(out, old)} is not a shipped folder")
        if os.path.exists(os.path.join(out, new)):
            raise ValueError(f"--rename: {os.path.join(out, new)} exists; rename it first")
        os.rename(os.path.join(out, old), os.path.join(out, new))
        manifest["networks"] = {(new + k[len(old):] if k.startswith(old + "/") else k): v
                                for k, v in manifest["networks"].items()}
        print(f"{old} -> {new}")
    with open(os.path.join(out, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=2)
    return manifest


def ship(workdir, dataset="fashion_mnist", out=None, train_seconds=(), float16=(), data_dir=None):
    """Copy `workdir`'s inference networks into `out` (default weights/<dataset>) with the manifest;
    the subfolders in `float16` ("all": every one) are stored in float16 where that is harmless."""
    from tf_aegan.store import MANIFEST, SEARCH_FILE, sha256, shipped_dir
    from tf_aegan.train.jobs import read_history

    seconds = {}
    for item in train_seconds:
        sub, _, value = item.partition("=")
        try:
            seconds[sub] = float(value)
        except ValueError:
            raise ValueError(f"--train-seconds wants SUBFOLDER=SECONDS, got {item!r}") from None

    out = out or shipped_dir(dataset)
    manifest = {"dataset": dataset, "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
                "networks": {}}
    old_path = os.path.join(out, MANIFEST)
    if os.path.isfile(old_path):  # networks shipped before and not in this work directory stay listed
        with open(old_path) as f:
            old = json.load(f).get("networks", {})
        manifest["networks"] = {k: v for k, v in old.items() if os.path.isfile(os.path.join(out, k))
                                and not os.path.isdir(os.path.join(workdir, k.split("/")[0]))}
    for sub, files in NETWORKS.items():
        src = os.path.join(workdir, sub)
        if not os.path.isdir(src):
            print(f"skipping {sub}: not in {workdir}")
            continue
        info = {}
        for name in ("config.json", "metrics.json"):
            if os.path.isfile(os.path.join(src, name)):
                with open(os.path.join(src, name)) as f:
                    info[name] = json.load(f)
        metrics = {k: v for k, v in info.get("metrics.json", {}).items() if k != "history"}
        history = read_history(src)
        if history:  # a stopped run has no metrics.json: its history.csv holds epochs and final losses
            metrics.setdefault("epochs", len(next(iter(history.values()))))
            metrics["final"] = {k: v[-1] for k, v in history.items()}
        if sub in seconds:
            metrics["train_seconds"] = seconds[sub]
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        stored = "float32"
        if sub in float16 or "all" in float16:
            change = float16_change(sub, src, dataset, workdir if os.path.isdir(os.path.join(workdir, "classifier_A"))
                                    else out, data_dir)
            stored = "float16" if change <= FLOAT16_TOLERANCE else "float32"
            metrics["float16_accuracy_change"] = change
            print(f"{sub}: float16 changes the accuracy by {change:.4f}: stored in {stored}")
        for name in files:
            path = os.path.join(src, name)
            if not os.path.isfile(path):
                raise ValueError(f"{path} is missing; train it first")
            dest = os.path.join(out, sub, name)
            # Re-saved uncompiled: inference needs no optimizer state (a third of a compiled file's size).
            import keras

            model = keras.saving.load_model(path, compile=False)
            if stored == "float16":
                from tf_aegan.store import as_dtype

                model = as_dtype(model, "float16")
            if _same_weights(model, dest):
                print(f"{sub}/{name}: unchanged, kept (no new file for git to store)")
            else:
                model.save(dest)
            config = info.get("config.json", {})
            manifest["networks"][f"{sub}/{name}"] = {
                "bytes": os.path.getsize(dest), "sha256": sha256(dest),
                "command": _command(src, config), "stored_as": stored, "config": config, "metrics": metrics,
                **_recipe_fields(config)}
            print(f"{sub}/{name}: {os.path.getsize(dest) / 1e6:.1f} MB")
        for extra in ("config.json", "metrics.json", "history.csv", "reconstructions.png", "samples.png", "losses.png",
                      SEARCH_FILE):
            if os.path.isfile(os.path.join(src, extra)):
                shutil.copyfile(os.path.join(src, extra), os.path.join(out, sub, extra))
    with open(os.path.join(out, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=2)
    total = sum(e["bytes"] for e in manifest["networks"].values())
    print(f"wrote {out}/{MANIFEST}: {len(manifest['networks'])} networks, {total / 1e6:.1f} MB")
    return manifest


if __name__ == "__main__":
    main()
