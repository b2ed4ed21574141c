"""The two training jobs behind `python -m train.classifier` and `python -m train.aegan`."""

import csv
import json
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tf_aegan import checks, defaults, plots, store
from tf_aegan.data import load_dataset
from tf_aegan.models import build_classifier, build_decoder, build_discriminator, build_encoder
from tf_aegan.models.classifiers import PRE_OPTION_READING
from tf_aegan.stats import wilson_interval
from tf_aegan.train.aegan import AEGAN
from tf_aegan.train.runner import (completed_epochs, fit_resumable, logged_epochs, make_strategy, prepare_workdir,
                                   training_seconds)


def _limit(split_ds, n):
    return split_ds if n is None else split_ds.take(n)


class SaveNetworks(keras.callbacks.Callback):
    """After every epoch, write each network as a `.keras` file, so a killed run leaves usable networks.

    `float32_builders` (name -> function building that network in float32): under mixed precision,
    the weights are copied into a float32 network before saving, so saved networks run in float32.
    """

    def __init__(self, folder, networks, on_epoch=None, float32_builders=None):
        super().__init__()
        self.folder, self.networks, self.on_epoch = folder, networks, on_epoch
        self.float32_builders = float32_builders

    def on_epoch_end(self, epoch, logs=None):
        for name, net in self.networks.items():
            save_float32(net, os.path.join(self.folder, f"{name}.keras"),
                         self.float32_builders and self.float32_builders[name])
        if self.on_epoch:
            self.on_epoch(epoch)


def save_float32(net, path, builder=None):
    """Save `net` at `path` (atomically); with `builder` (a function building the same network), as a
    float32 copy: under mixed precision the weights go into a network built in float32, so the file
    loads and runs in float32 wherever it is used."""
    if builder is not None:
        with dtype_policy("float32"):
            plain = builder()
        plain.set_weights(net.get_weights())
        net = plain
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp.keras")
    net.save(tmp)
    os.replace(tmp, path)


class dtype_policy:
    """Keras' global dtype policy set to `name` inside the block, restored after."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.old = keras.config.dtype_policy()
        keras.config.set_dtype_policy(self.name)

    def __exit__(self, *exc):
        keras.config.set_dtype_policy(self.old)


PRECISIONS = ("float32", "mixed_bfloat16")


def best_checkpoint(folder, monitor="val_accuracy"):
    """Keep the classifier of the best validation epoch as classifier.keras, across resumed runs too."""
    previous = read_history(folder).get(monitor)
    return keras.callbacks.ModelCheckpoint(os.path.join(folder, store.CLASSIFIER_FILE), monitor=monitor, mode="max",
                                           save_best_only=True, initial_value_threshold=max(previous) if previous else None)


class RecalibrateDecoderBN(keras.callbacks.Callback):
    """At each epoch end, refresh the decoder's BatchNorm moving statistics on encoder codes F(x).

    During training the decoder also decodes prior samples z ~ p(z) in training mode, so its moving
    statistics mix two distributions; at inference it decodes F(x) and codes near it (the search).
    Forward passes in training mode on F(x) of training images (no gradients) fix that: with
    momentum 0.99, `batches` = 400 leaves under 2% of the mixed statistics.
    """

    def __init__(self, encoder, decoder, dataset, batches=400, val_dataset=None):
        super().__init__()
        self.encoder, self.decoder, self.dataset, self.batches = encoder, decoder, dataset, batches
        self.val_dataset = val_dataset
        self._refresh = tf.function(lambda x: self.decoder(self.encoder(x, training=False), training=True))

    def on_epoch_end(self, epoch, logs=None):
        if not self.batches:
            return
        for x, _ in self.dataset.take(self.batches):
            self._refresh(x)
        if self.val_dataset is not None and logs is not None:
            # Keras measured the validation loss before this callback; measure it again.
            logs["val_recon_loss"] = self.model.evaluate(self.val_dataset, verbose=0, return_dict=True)["recon_loss"]


def load_networks(folder, nets, required):
    """Copy the weights of `folder`/<name>.keras into each network of `nets`; returns the names loaded."""
    loaded = []
    for name, net in nets.items():
        path = os.path.join(folder, f"{name}.keras")
        if not os.path.isfile(path):
            if name in required:
                raise ValueError(f"no {name} at {path}: the folder must hold {', '.join(required)}")
            continue
        saved = store.load_keras(path, name)
        try:
            net.set_weights(saved.get_weights())
        except ValueError as e:
            raise ValueError(f"{path} does not fit the {name} asked for (another latent size or image shape?): {e}") from e
        loaded.append(name)
    return loaded


def start_networks(folder, nets, init_from=None, required_init=("encoder", "decoder")):
    """The epoch a run starts at, after loading what it resumes or starts from into `nets`.

    A folder without backup/ but with logged epochs (a run committed to git without its optimizer
    state) resumes from its own networks; a new run with `init_from` starts from those networks.
    Where backup/ exists, BackupAndRestore restores everything and this returns 0.
    """
    if not os.path.isdir(os.path.join(folder, "backup")) and logged_epochs(folder) > 0:
        initial_epoch = logged_epochs(folder)
        load_networks(folder, nets, required=tuple(nets))
        print(f"{folder}: no backup/, resuming from its committed networks after epoch {initial_epoch} "
              "(optimizer state starts afresh)", flush=True)
        return initial_epoch
    if init_from is not None and completed_epochs(folder) == 0:
        loaded = load_networks(init_from, nets, required=required_init)
        print(f"{folder}: starting from {', '.join(loaded)} in {init_from}", flush=True)
    return 0


def run_seconds(folder, start, epochs):
    """`seconds_this_run` and `seconds_total` for metrics.json, summed over the runs that trained epochs.

    A run that trained nothing (its work directory was finished) keeps the previous run's timing
    instead of recording ~0 s, so re-running a finished command never erases how long it took.
    Both are sums of logged epoch times where the run has them (epoch_seconds.csv): this run's epochs and
    all epochs, so `seconds_this_run` never exceeds `seconds_total` (start-up time counts in neither).
    """
    path = os.path.join(folder, "metrics.json")
    previous = {}
    if os.path.isfile(path):
        try:
            with open(path) as f:
                previous = json.load(f)
        except (OSError, ValueError):
            previous = {}
    if previous.get("epochs") == epochs and "seconds_this_run" in previous:
        return {k: previous[k] for k in ("seconds_this_run", "seconds_total") if k in previous}
    logged = training_seconds(folder)
    if logged is not None:  # every epoch's time, killed and resumed runs included; never below this run's
        this_run = training_seconds(folder, since=start)
        return {"seconds_this_run": this_run, "seconds_total": max(logged, this_run)}
    this_run = round(time.time() - start, 1)
    before = previous.get("seconds_total", previous.get("seconds_this_run", 0.0)) if previous else 0.0
    return {"seconds_this_run": this_run, "seconds_total": round(before + this_run, 1)}


def write_metrics(folder, name, dataset_name, keys, start, **extra):
    """Plot the history's `keys`, write metrics.json (epochs, final values, history) and return it."""
    history = read_history(folder)
    keys = [k for k in keys if k in history]
    if history and keys:
        plots.loss_curves(history, keys, os.path.join(folder, "losses.png"), title=f"{name} on {dataset_name}")
    epochs = completed_epochs(folder)
    result = {"name": name, "dataset": dataset_name, "epochs": epochs, **run_seconds(folder, start, epochs),
              "final": {k: history[k][-1] for k in keys}, **extra, "history": history}
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def read_history(workdir):
    """history.csv as a dict of float lists (one value per epoch, resumed runs included)."""
    path = os.path.join(workdir, "history.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        rows = list(csv.DictReader(f))
    by_epoch = {int(r["epoch"]): r for r in rows}  # a re-run epoch keeps its last line
    return {k: [float(by_epoch[e][k]) for e in sorted(by_epoch)] for k in rows[0] if k != "epoch"} if rows else {}


def batches(dataset, split, batch_size, max_examples, shuffle):
    ds = dataset.pipeline(split, batch_size, shuffle=shuffle, drop_remainder=shuffle)
    if max_examples:
        ds = ds.take(max(1, max_examples // batch_size))
    return ds


def train_classifier(dataset_name="fashion_mnist", arch="A", workdir="workdirs/fashion_mnist", data_dir=None,
                     epochs=defaults.CLASSIFIER_EPOCHS, batch_size=defaults.CLASSIFIER_BATCH,
                     lr=defaults.CLASSIFIER_LR, strategy="default", logical_cpus=None, seed=0,
                     max_examples=None, verbose=None, init=defaults.CLASSIFIER_INIT,
                     dropout=defaults.CLASSIFIER_DROPOUT):
    """Train classifier `arch` (Table 5) with Table 7's settings; returns its test accuracy record.

    `init` and `dropout` pick Keras' or Defense-GAN's reading of Table 5 (`tf_aegan.models.classifiers`).
    """
    dist = make_strategy(strategy, logical_cpus)
    data = load_dataset(dataset_name, data_dir)
    folder = store.classifier_dir(workdir, arch)
    config = {"kind": "classifier", "dataset": dataset_name, "arch": arch, "image_shape": list(data.image_shape),
              "num_classes": data.num_classes, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
              "init": init, "dropout": dropout}
    prepare_workdir(folder, config, ("kind", "dataset", "arch", "image_shape", "num_classes", "init", "dropout"),
                    older=PRE_OPTION_READING)
    keras.utils.set_random_seed(seed)
    with dist.scope():
        model = build_classifier(arch, data.image_shape, data.num_classes, init, dropout)
        model.compile(optimizer=keras.optimizers.Adam(lr),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    start = time.time()
    fit_resumable(model, batches(data, "train", batch_size, max_examples, True), epochs, folder,
                  val_ds=batches(data, "val", 500, max_examples, False),
                  callbacks=[best_checkpoint(folder)], verbose=verbose)
    model = store.load_classifier(workdir, arch, dataset_name)  # the saved file is what others will use
    x, y = data.arrays("test", None if not max_examples else min(max_examples, data.split("test").size))
    pred = np.argmax(model.predict(x, batch_size=500, verbose=0), axis=1)
    correct = int((pred == y).sum())
    history = read_history(folder)
    best_epoch = int(np.argmax(history["val_accuracy"])) + 1 if history.get("val_accuracy") else None
    epochs_done = completed_epochs(folder)
    result = {"arch": arch, "dataset": dataset_name, "init": init, "dropout": dropout,
              "test_accuracy": correct / len(y), "best_val_epoch": best_epoch,
              "ci95": list(wilson_interval(correct, len(y))), "n": int(len(y)),
              "epochs": epochs_done, **run_seconds(folder, start, epochs_done),
              "history": history}
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def train_aegan(dataset_name="fashion_mnist", workdir="workdirs/fashion_mnist", data_dir=None, latent_dim=defaults.LATENT_DIM,
                epochs=None, batch_size=None, lr=defaults.AEGAN_LR, beta_1=defaults.AEGAN_BETA_1,
                noise_eta=defaults.NOISE_ETA, adversarial=True, prior="uniform", generator_loss="non_saturating",
                name=None, strategy="default", logical_cpus=None, seed=0, max_examples=None, verbose=None,
                bn_recalibration_batches=400, noise_schedule="uniform", recon_reduction="sum", init_from=None,
                noise="gaussian", noise_classifier=None, precision="float32"):
    """Train AE-GAN+r (Algorithm 1) or an ablation variant; returns the final losses.

    `init_from`: a folder of `.keras` networks (encoder, decoder, discriminator when there) to start
    from, for fine-tuning. `noise="adversarial"` perturbs inputs by FGSM against the classifier
    `noise_classifier` (a `.keras` path; default the shipped classifier A). A work directory
    without backup/ but with its networks and history.csv (as committed to git, without optimizer
    state) resumes from those networks at the next epoch.
    """
    checks.one_of("precision", precision, PRECISIONS)
    if epochs is not None and epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if max_examples is not None and max_examples < 1:
        raise ValueError(f"max_examples must be at least 1, got {max_examples}")
    epochs = defaults.AEGAN_EPOCHS[dataset_name] if epochs is None else epochs
    batch_size = defaults.AEGAN_BATCH[dataset_name] if batch_size is None else batch_size
    dist = make_strategy(strategy, logical_cpus)
    data = load_dataset(dataset_name, data_dir)
    name = name or store.aegan_name(adversarial, noise_eta > 0, latent_dim) + ("_advnoise" if noise == "adversarial" else "")
    folder = os.path.join(workdir, name)
    config = {"kind": "aegan", "dataset": dataset_name, "image_shape": list(data.image_shape), "latent_dim": latent_dim,
              "adversarial": adversarial, "noise_eta": noise_eta, "prior": prior, "generator_loss": generator_loss,
              "epochs": epochs, "batch_size": batch_size, "lr": lr, "beta_1": beta_1, "seed": seed,
              "noise_schedule": noise_schedule, "recon_reduction": recon_reduction, "noise": noise,
              "precision": precision,
              "init_from": os.path.abspath(init_from) if init_from else None}
    if init_from is not None and not os.path.isdir(init_from):
        raise ValueError(f"--init-from {init_from!r} is not a folder of networks")
    prepare_workdir(folder, config, ("kind", "dataset", "image_shape", "latent_dim", "adversarial"),
                    older={"noise_schedule": "uniform", "recon_reduction": "sum"})
    attacked = None
    if noise == "adversarial":
        noise_classifier = noise_classifier or os.path.join(store.classifier_dir(store.shipped_dir(dataset_name), "A"),
                                                            store.CLASSIFIER_FILE)
        attacked = store.load_keras(noise_classifier, "classifier for adversarial noise")
        if tuple(attacked.input_shape[1:]) != tuple(data.image_shape):
            raise ValueError(f"{noise_classifier} takes images of shape {attacked.input_shape[1:]}, "
                             f"not {data.image_shape}")
    keras.utils.set_random_seed(seed)
    with dtype_policy(precision):  # the networks compute in bfloat16 under mixed_bfloat16
        with dist.scope():
            encoder = build_encoder(data.image_shape, latent_dim)
            decoder = build_decoder(data.image_shape, latent_dim)
            discriminator = build_discriminator(data.image_shape) if adversarial else None
            model = AEGAN(encoder, decoder, discriminator, latent_dim=latent_dim, noise_eta=noise_eta,
                          adversarial=adversarial, prior=prior, generator_loss=generator_loss,
                          noise_schedule=noise_schedule, recon_reduction=recon_reduction, noise=noise,
                          noise_classifier=attacked, seed=seed)
            model(np.zeros((1, *data.image_shape), np.float32))
            adam = lambda: keras.optimizers.Adam(lr, beta_1=beta_1)  # noqa: E731
            model.compile(e_optimizer=adam(), g_optimizer=adam(), d_optimizer=adam() if adversarial else None)
        grid_x, _ = data.arrays("dev", min(16, data.split("dev").size))

        def draw(epoch):
            recon = decoder.predict(encoder.predict(grid_x, verbose=0), verbose=0)
            plots.image_rows([grid_x, recon], os.path.join(folder, "reconstructions.png"),
                             labels=["test", "G(F(x))"], title=f"{name} on {dataset_name} test images, epoch {epoch + 1}")

        nets = {"encoder": encoder, "decoder": decoder}
        if adversarial:
            nets["discriminator"] = discriminator
        builders = None if precision == "float32" else {
            "encoder": lambda: build_encoder(data.image_shape, latent_dim),
            "decoder": lambda: build_decoder(data.image_shape, latent_dim),
            "discriminator": lambda: build_discriminator(data.image_shape)}
        initial_epoch = start_networks(folder, nets, init_from)
        start = time.time()
        val_ds = batches(data, "val", 500, max_examples, False)
        recalibrate = RecalibrateDecoderBN(encoder, decoder, batches(data, "train", batch_size, None, True),
                                           bn_recalibration_batches if adversarial else 0, val_ds)
        fit_resumable(model, batches(data, "train", batch_size, max_examples, True), epochs, folder, val_ds=val_ds,
                      callbacks=[recalibrate, SaveNetworks(folder, nets, draw, builders)], verbose=verbose,
                      initial_epoch=initial_epoch)
        return write_metrics(folder, name, dataset_name, ("d_loss", "g_loss", "recon_loss", "val_recon_loss"), start)


def step_timers(dataset_name="fashion_mnist", data_dir=None, batch_size=100, steps=10, latent_dim=defaults.LATENT_DIM):
    """For the precision benchmark: name -> callable running `steps` AE-GAN+r training steps in that precision.

    Both models start from the same weights and train on the same real batches."""
    data = load_dataset(dataset_name, data_dir)
    x = data.pipeline("train", batch_size, shuffle=False, drop_remainder=True).take(steps).cache()
    x = x.map(lambda a, b: a)
    weights, timers = None, {}
    for precision in PRECISIONS:
        with dtype_policy(precision):
            keras.utils.set_random_seed(0)
            model = AEGAN(build_encoder(data.image_shape, latent_dim), build_decoder(data.image_shape, latent_dim),
                          build_discriminator(data.image_shape), latent_dim=latent_dim)
            model(np.zeros((1, *data.image_shape), np.float32))
            adam = lambda: keras.optimizers.Adam(defaults.AEGAN_LR, beta_1=defaults.AEGAN_BETA_1)  # noqa: E731
            model.compile(e_optimizer=adam(), g_optimizer=adam(), d_optimizer=adam())
            nets = (model.encoder, model.decoder, model.discriminator)
            if weights is None:
                weights = [n.get_weights() for n in nets]
            for n, w in zip(nets, weights):
                n.set_weights(w)
            timers[precision] = (lambda m: lambda: m.fit(x, epochs=1, verbose=0))(model)
    return timers
