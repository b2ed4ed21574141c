"""The training jobs of Table 1's baselines: Defense-GAN's WGAN-GP, MagNet's reformer, BiGAN and PGD
adversarial training, each with `train.aegan`'s conventions (work directory, config check, resume from
backup/ or from committed networks, history.csv, TensorBoard, networks saved every epoch)."""

import math
import os
import time

import keras
import numpy as np

from tf_aegan import checks, defaults, plots, store
from tf_aegan.data import load_dataset
from tf_aegan.models import (build_classifier, build_critic, build_decoder, build_discriminator, build_dual_view,
                             build_encoder, build_joint_discriminator, widen_input)
from tf_aegan.train.advtrain import AdversarialTraining, BestRobust, EpsWarmup, JointTraining, lr_at
from tf_aegan.train.aegan import AEGAN
from tf_aegan.train.bigan import BiGAN
from tf_aegan.train.jobs import (PRECISIONS, SaveNetworks, batches, dtype_policy, load_networks, read_history,
                                 save_float32, start_networks, train_aegan, write_metrics)
from tf_aegan.train.runner import completed_epochs, fit_resumable, make_strategy, prepare_workdir
from tf_aegan.train.wgan_gp import WGANGP



def _check_positive(**values):
    for name, value in values.items():
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def _sample_grid(folder, name, generator, latent_dim, prior, dataset_name, seed=0):
    """Samples G(z) of the prior after each epoch (Figure 4 for BiGAN; Defense-GAN's samples)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(32, latent_dim)) if prior == "normal" else rng.uniform(-1, 1, size=(32, latent_dim))
    z = z.astype(np.float32)

    def draw(epoch):
        images = generator.predict(z, verbose=0)
        plots.image_rows([images[:16], images[16:]], os.path.join(folder, "samples.png"),
                         title=f"{name} samples G(z) on {dataset_name}, epoch {epoch + 1}")
    return draw


def train_defensegan(dataset_name="fashion_mnist", workdir="workdirs/fashion_mnist", data_dir=None,
                     latent_dim=defaults.LATENT_DIM, iterations=defaults.DGAN_ITERATIONS, batch_size=defaults.DGAN_BATCH,
                     critic_steps=defaults.DGAN_CRITIC_STEPS, gp_weight=defaults.DGAN_GP_WEIGHT,
                     lr=defaults.DGAN_TRAIN_LR, name="defensegan", strategy="default", logical_cpus=None, seed=0,
                     verbose=None, iterations_per_epoch=defaults.DGAN_ITERATIONS_PER_EPOCH, snapshots=None,
                     precision="float32"):
    """Train Defense-GAN's WGAN-GP generator for `iterations` generator steps, rounded up to whole
    epochs of `iterations_per_epoch` (the checkpoint interval); the generator is saved as `decoder.keras`, the critic as `critic.keras`.
    `snapshots` (generator iterations, multiples of `iterations_per_epoch`): the generator is also kept as
    snapshots/decoder_<iterations>.keras there, for the convergence rule's doublings (scripts/run.py's queue).
    `precision` "mixed_bfloat16": the networks compute in bfloat16 and are saved in float32."""
    checks.one_of("precision", precision, PRECISIONS)
    _check_positive(iterations=iterations, batch_size=batch_size, iterations_per_epoch=iterations_per_epoch,
                    critic_steps=critic_steps, latent_dim=latent_dim)
    snapshots = sorted(set(snapshots or ()))
    bad = [s for s in snapshots if s < 1 or s % iterations_per_epoch or s > iterations]
    if bad:
        raise ValueError(f"snapshots must be multiples of iterations_per_epoch={iterations_per_epoch} up to "
                         f"iterations={iterations}, got {bad}")
    if gp_weight < 0 or lr <= 0:
        raise ValueError(f"need gp_weight >= 0 and lr > 0, got gp_weight={gp_weight}, lr={lr}")
    dist = make_strategy(strategy, logical_cpus)
    data = load_dataset(dataset_name, data_dir)
    folder = os.path.join(workdir, name)
    config = {"kind": "defensegan", "dataset": dataset_name, "image_shape": list(data.image_shape),
              "latent_dim": latent_dim, "iterations": iterations, "iterations_per_epoch": iterations_per_epoch,
              "batch_size": batch_size, "critic_steps": critic_steps, "gp_weight": gp_weight, "lr": lr,
              "betas": list(defaults.DGAN_TRAIN_BETAS), "seed": seed, "generator_batchnorm": False,
              "precision": precision}
    prepare_workdir(folder, config, ("kind", "dataset", "image_shape", "latent_dim", "iterations_per_epoch",
                                     "generator_batchnorm"))
    keras.utils.set_random_seed(seed)
    with dtype_policy(precision), dist.scope():  # the networks compute in bfloat16 under mixed_bfloat16
        generator = build_decoder(data.image_shape, latent_dim, batchnorm=False)
        critic = build_critic(data.image_shape)
        model = WGANGP(generator, critic, latent_dim=latent_dim, critic_steps=critic_steps, gp_weight=gp_weight,
                       seed=seed)
        model(np.zeros((1, latent_dim), np.float32))
        adam = lambda: keras.optimizers.Adam(lr, *defaults.DGAN_TRAIN_BETAS)  # noqa: E731
        model.compile(d_optimizer=adam(), g_optimizer=adam())
    nets = {"decoder": generator, "critic": critic}
    builders = None if precision == "float32" else {
        "decoder": lambda: build_decoder(data.image_shape, latent_dim, batchnorm=False),
        "critic": lambda: build_critic(data.image_shape)}
    initial_epoch = start_networks(folder, nets)
    # Every critic step draws its own real batch: batches of critic_steps x batch_size, split in train_step.
    train = data.split("train").dataset().repeat().shuffle(20000, seed=seed).batch(
        critic_steps * batch_size, drop_remainder=True).prefetch(4)
    epochs = math.ceil(iterations / iterations_per_epoch)
    start = time.time()
    draw = _sample_grid(folder, name, generator, latent_dim, "normal", dataset_name)

    def on_epoch(epoch):
        draw(epoch)
        done = (epoch + 1) * iterations_per_epoch
        if done in snapshots:
            os.makedirs(os.path.join(folder, "snapshots"), exist_ok=True)
            save_float32(generator, os.path.join(folder, "snapshots", f"decoder_{done}.keras"),
                         builders and builders["decoder"])
    with dtype_policy(precision):
        fit_resumable(model, train.take(iterations_per_epoch), epochs, folder,
                      val_ds=batches(data, "val", 500, None, False),
                      callbacks=[SaveNetworks(folder, nets, on_epoch, builders)], verbose=verbose,
                      initial_epoch=initial_epoch)
    return write_metrics(folder, name, dataset_name, ("d_loss", "g_loss", "gradient_penalty", "wasserstein",
                                                      "val_wasserstein"), start,
                         generator_iterations=completed_epochs(folder) * iterations_per_epoch)


def train_magnet(dataset_name="fashion_mnist", workdir="workdirs/fashion_mnist", latent_dim=defaults.LATENT_DIM,
                 noise=defaults.MAGNET_NOISE, name=None, **kwargs):
    """MagNet's reformer: Table 6's auto-encoder without the discriminator, trained to reconstruct x
    from x + N(0, noise^2) with the per-pixel mean squared error (Meng & Chen 2017; Appendix A)."""
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    name = name or ("magnet" if latent_dim == defaults.LATENT_DIM else f"magnet_z{latent_dim}")
    return train_aegan(dataset_name, workdir=workdir, latent_dim=latent_dim, noise_eta=noise, adversarial=False,
                       noise_schedule="fixed", recon_reduction="mean", name=name, **kwargs)


def build_bigan(image_shape, latent_dim=defaults.LATENT_DIM, lr=defaults.BIGAN_LR, beta_1=defaults.BIGAN_BETA_1,
                beta_2=defaults.BIGAN_BETA_2, discriminator_batchnorm=False, seed=0):
    """A compiled BiGAN: Table 6's encoder and generator, the joint discriminator, one Adam each for D
    and for E and G together (train_bigan, scripts/bigan_probe.py)."""
    discriminator = build_joint_discriminator(image_shape, latent_dim, batchnorm=discriminator_batchnorm)
    model = BiGAN(build_encoder(image_shape, latent_dim), build_decoder(image_shape, latent_dim), discriminator,
                  latent_dim=latent_dim, seed=seed)
    model(np.zeros((1, *image_shape), np.float32))
    adam = lambda: keras.optimizers.Adam(lr, beta_1=beta_1, beta_2=beta_2)  # noqa: E731
    model.compile(d_optimizer=adam(), eg_optimizer=adam())
    return model


def train_bigan(dataset_name="fashion_mnist", workdir="workdirs/fashion_mnist", data_dir=None,
                latent_dim=defaults.LATENT_DIM, epochs=None, batch_size=None, lr=defaults.BIGAN_LR,
                beta_1=defaults.BIGAN_BETA_1, beta_2=defaults.BIGAN_BETA_2, discriminator_batchnorm=False,
                name="bigan", strategy="default", logical_cpus=None, seed=0, max_examples=None, verbose=None):
    """Train BiGAN (encoder and generator of Table 6, joint discriminator) for Table 4's epochs.
    `discriminator_batchnorm` gives D's image path Table 6's BatchNorm (scripts/bigan_probe.py, issue 10)."""
    _check_positive(epochs=epochs, batch_size=batch_size, max_examples=max_examples, latent_dim=latent_dim)
    epochs = defaults.AEGAN_EPOCHS[dataset_name] if epochs is None else epochs
    batch_size = defaults.AEGAN_BATCH[dataset_name] if batch_size is None else batch_size
    dist = make_strategy(strategy, logical_cpus)
    data = load_dataset(dataset_name, data_dir)
    folder = os.path.join(workdir, name)
    config = {"kind": "bigan", "dataset": dataset_name, "image_shape": list(data.image_shape),
              "latent_dim": latent_dim, "epochs": epochs, "batch_size": batch_size, "lr": lr, "beta_1": beta_1,
              "beta_2": beta_2, "discriminator_batchnorm": discriminator_batchnorm, "seed": seed}
    prepare_workdir(folder, config, ("kind", "dataset", "image_shape", "latent_dim", "discriminator_batchnorm"),
                    older={"discriminator_batchnorm": False})
    keras.utils.set_random_seed(seed)
    with dist.scope():
        model = build_bigan(data.image_shape, latent_dim, lr, beta_1, beta_2, discriminator_batchnorm, seed)
    encoder, generator, discriminator = model.encoder, model.generator, model.discriminator
    nets = {"encoder": encoder, "decoder": generator, "discriminator": discriminator}
    initial_epoch = start_networks(folder, nets)
    start = time.time()
    draw = _sample_grid(folder, name, generator, latent_dim, "uniform", dataset_name)
    fit_resumable(model, batches(data, "train", batch_size, max_examples, True), epochs, folder,
                  val_ds=batches(data, "val", 500, max_examples, False),
                  callbacks=[SaveNetworks(folder, nets, draw)], verbose=verbose, initial_epoch=initial_epoch)
    return write_metrics(folder, name, dataset_name, ("d_loss", "eg_loss", "recon_loss", "val_recon_loss"), start)


def train_advtrain(dataset_name="fashion_mnist", workdir="workdirs/fashion_mnist", data_dir=None, arch="A",
                   epochs=defaults.ADVTR_EPOCHS, batch_size=defaults.CLASSIFIER_BATCH, lr=defaults.CLASSIFIER_LR,
                   eps=None, steps=defaults.ADVTR_STEPS, step_size=defaults.ADVTR_STEP_SIZE,
                   adv_fraction=defaults.ADVTR_FRACTION, init=defaults.CLASSIFIER_INIT,
                   dropout=defaults.CLASSIFIER_DROPOUT, strategy="default", logical_cpus=None, seed=0,
                   max_examples=None, verbose=None, loss="pgd", trades_beta=defaults.TRADES_BETA,
                   lr_schedule=defaults.ADVTR_LR_SCHEDULE, warmup=defaults.ADVTR_WARMUP,
                   patience=defaults.ADVTR_PATIENCE, val_steps=defaults.ADVTR_VAL_STEPS, name=None, init_from=None,
                   purifier=None, joint=False, cls_weight=defaults.JOINT_CLS_WEIGHT, purifier_lr=defaults.AEGAN_LR,
                   precision="float32", dual_view=False):
    """PGD adversarial training (or TRADES) of classifier `arch` into `classifier_<arch>_advtr/`
    (Madry et al. 2018; the paper's Adv. Tr. column), checkpointed and resumable every epoch.

    `classifier.keras` is the epoch with the best validation PGD accuracy at the full eps (early
    stopping's checkpoint); `classifier_last.keras` the last epoch (what a resume starts from).
    `patience` epochs without a better one (after the eps warm-up) stop the run. `init_from`: a
    classifier .keras file a new run starts from (a curriculum, e.g. from the eps 0.1 network). `purifier`: an
    AE-GAN folder (encoder.keras, decoder.keras) whose G(F(x)) the classifier is trained behind, the attack
    going through it (the defended-classifier study's design 2); the classifier alone is what is saved.
    `joint`: the purifier's encoder and decoder are fine-tuned with the classifier (design 3, `JointTraining`:
    Eq. 5's terms kept, the purifier's discriminator.keras resumed where the folder has one, Adam `purifier_lr`
    with beta_1 0.5 as Table 4); then encoder.keras and decoder.keras of the best epoch are saved beside
    classifier.keras, the defense whole in one folder. `dual_view`: the classifier sees the image and the
    purifier's G(F(x)) as two channels, the frozen purifier inside it (design 4, `build_dual_view`; `init_from`
    widened with zero weights on the new channel), so each saved classifier file is the defense whole.
    `precision` "mixed_bfloat16": the networks compute
    in bfloat16 (faster on this CPU, bench.training) and are saved in float32.
    """
    checks.one_of("precision", precision, PRECISIONS)
    _check_positive(epochs=epochs, batch_size=batch_size, max_examples=max_examples, patience=patience)
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0 epochs, got {warmup}")
    lr_at(lr_schedule, lr, 0, epochs)  # checks the schedule's name
    eps = defaults.ADVTR_EPS[dataset_name] if eps is None else eps
    AdversarialTraining.check(eps, steps, step_size, adv_fraction, loss, val_steps)  # before a work directory is made
    dist = make_strategy(strategy, logical_cpus)
    data = load_dataset(dataset_name, data_dir)
    folder = store.classifier_dir(workdir, name or f"{arch}_advtr")
    config = {"kind": "advtrain", "dataset": dataset_name, "arch": arch, "image_shape": list(data.image_shape),
              "num_classes": data.num_classes, "epochs": epochs, "batch_size": batch_size, "lr": lr, "eps": eps,
              "steps": steps, "step_size": step_size, "adv_fraction": adv_fraction, "init": init,
              "dropout": dropout, "seed": seed, "loss": loss, "trades_beta": trades_beta,
              "lr_schedule": lr_schedule, "warmup": warmup, "patience": patience, "val_steps": val_steps,
              "init_from": init_from, "purifier": os.path.abspath(purifier) if purifier else None, "joint": bool(joint),
              "precision": precision, "dual_view": bool(dual_view)}
    if joint:
        if not purifier:
            raise ValueError("--joint fine-tunes a purifier with the classifier: give it --purifier AEGAN_FOLDER")
        if loss != "pgd" or adv_fraction != 1.0:
            raise ValueError("--joint takes the PGD loss on whole adversarial batches (--loss pgd, --adv-fraction 1)")
        if cls_weight <= 0 or purifier_lr <= 0:
            raise ValueError(f"need cls_weight > 0 and purifier_lr > 0, got {cls_weight} and {purifier_lr}")
        config.update(cls_weight=cls_weight, purifier_lr=purifier_lr)
    if dual_view and (not purifier or joint):
        raise ValueError("--dual-view puts a frozen purifier inside the classifier: give it --purifier AEGAN_FOLDER, "
                         "without --joint")
    if init_from is not None and not os.path.isfile(init_from):
        raise ValueError(f"--init-from {init_from!r} is not a classifier .keras file")
    if purifier is not None:
        encoder, decoder = (store.load_keras(os.path.join(purifier, f"{n}.keras"), f"purifier's {n} (--purifier)")
                            for n in ("encoder", "decoder"))
        if tuple(encoder.input_shape[1:]) != tuple(data.image_shape):
            raise ValueError(f"the purifier {purifier} takes images of shape {tuple(encoder.input_shape[1:])}, "
                             f"the data {tuple(data.image_shape)}")
        encoder.trainable = decoder.trainable = False
        front = lambda t: decoder(encoder(t, training=False), training=False)  # noqa: E731  G(F(x))
    prepare_workdir(folder, config, ("kind", "dataset", "arch", "image_shape", "num_classes", "init", "dropout", "joint",
                                     "dual_view"), older={"joint": False, "dual_view": False})
    wide = (*data.image_shape[:-1], 2 * data.image_shape[-1])  # design 4's input: the image and G(F(x))
    keras.utils.set_random_seed(seed)
    with dtype_policy(precision), dist.scope():  # the networks compute in bfloat16 under mixed_bfloat16
        if dual_view:
            classifier = build_dual_view(build_classifier(arch, wide, data.num_classes, init, dropout), encoder, decoder)
        else:
            classifier = build_classifier(arch, data.image_shape, data.num_classes, init, dropout)
        if joint:
            aegan = _joint_aegan(purifier, encoder, data.image_shape)
            model = JointTraining(classifier, aegan, cls_weight=cls_weight, eps=eps, steps=steps, step_size=step_size,
                                  val_steps=val_steps)
            model(np.zeros((1, *data.image_shape), np.float32))
            adam = lambda: keras.optimizers.Adam(purifier_lr, beta_1=defaults.AEGAN_BETA_1)  # noqa: E731
            model.compile(keras.optimizers.Adam(lr), adam(), adam(), adam() if aegan.adversarial else None)
        else:
            model = AdversarialTraining(classifier, eps=eps, steps=steps, step_size=step_size, adv_fraction=adv_fraction,
                                        loss=loss, trades_beta=trades_beta, val_steps=val_steps,
                                        purifier=front if purifier is not None and not dual_view else None)
            model(np.zeros((1, *data.image_shape), np.float32))
            model.compile(optimizer=keras.optimizers.Adam(lr))
    nets = {"classifier_last": classifier}
    best = {os.path.join(folder, store.CLASSIFIER_FILE): classifier}
    builders = {"classifier_last": lambda: build_classifier(arch, data.image_shape, data.num_classes, init, dropout)}
    if dual_view:
        latent = int(encoder.output_shape[-1])
        builders["classifier_last"] = lambda: build_dual_view(build_classifier(arch, wide, data.num_classes, init, dropout),
                                                              build_encoder(data.image_shape, latent),
                                                              build_decoder(data.image_shape, latent))
    if joint:
        nets.update(encoder_last=aegan.encoder, decoder_last=aegan.decoder)
        nets.update({"discriminator": aegan.discriminator} if aegan.adversarial else {})
        best.update({os.path.join(folder, f"{n}.keras"): getattr(aegan, n) for n in ("encoder", "decoder")})
        latent = int(aegan.encoder.output_shape[-1])
        builders.update(encoder_last=lambda: build_encoder(data.image_shape, latent),
                        decoder_last=lambda: build_decoder(data.image_shape, latent),
                        discriminator=lambda: build_discriminator(data.image_shape))
    if precision == "float32":
        builders = best_builders = None
    else:  # the kept epoch's files are built as the last epoch's, in float32
        best_builders = {path: builders[os.path.basename(path)[:-len(".keras")] + "_last"] for path in best}
    initial_epoch = start_networks(folder, nets)
    if init_from is not None and completed_epochs(folder) == 0:
        start = store.load_keras(init_from, "classifier to start from")
        if dual_view:  # the core (the composite's last layer) starts as `start`, blind to G(F(x)) at first
            widen_input(start, classifier.layers[-1])
        else:
            classifier.set_weights(start.get_weights())
        print(f"{folder}: starting from {init_from}", flush=True)
    if joint and completed_epochs(folder) == 0:
        loaded = load_networks(purifier, {n: getattr(aegan, n) for n in ("encoder", "decoder", "discriminator")
                                          if getattr(aegan, n) is not None}, required=("encoder", "decoder"))
        print(f"{folder}: fine-tuning {', '.join(loaded)} of {purifier}"
              + ("" if "discriminator" in loaded or not aegan.adversarial else " (its discriminator starts afresh)"),
              flush=True)
    previous = read_history(folder).get("val_adv_accuracy")
    callbacks = [SaveNetworks(folder, nets, float32_builders=builders),
                 BestRobust(best, max(previous) if previous else None, float32_builders=best_builders),
                 keras.callbacks.LearningRateScheduler(lambda epoch, _: float(lr_at(lr_schedule, lr, epoch, epochs)))]
    if warmup:
        callbacks.append(EpsWarmup(warmup))
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_adv_accuracy", mode="max", patience=patience,
                                                       start_from_epoch=warmup))
    start = time.time()
    with dtype_policy(precision):
        fit_resumable(model, batches(data, "train", batch_size, max_examples, True), epochs, folder,
                      val_ds=batches(data, "val", 500, max_examples or 1000, False),
                      callbacks=callbacks, verbose=verbose, initial_epoch=initial_epoch)
    history = read_history(folder).get("val_adv_accuracy", [])
    best = {"best_epoch": int(np.argmax(history)) + 1, "best_val_adv_accuracy": max(history)} if history else {}
    best["val_n"] = min(data.split("val").size, 500 * max(1, (max_examples or 1000) // 500))  # the images validated on
    return write_metrics(folder, os.path.basename(folder), dataset_name,
                         ("loss", "adv_accuracy", "accuracy", "val_accuracy", "val_adv_accuracy"), start, **best)


def _joint_aegan(purifier, encoder, image_shape):
    """The AE-GAN of a purifier folder, rebuilt with its run's Eq. 5 settings (config.json; the paper's defaults
    where it has none) for joint fine-tuning: fresh networks of its shapes, the weights loaded afterwards."""
    from tf_aegan.cli import read_json_object

    path = os.path.join(purifier, "config.json")
    config = read_json_object(path, "the purifier's run config ") if os.path.isfile(path) else {}
    latent = int(encoder.output_shape[-1])
    adversarial = config.get("adversarial", True)
    return AEGAN(build_encoder(image_shape, latent), build_decoder(image_shape, latent),
                 build_discriminator(image_shape) if adversarial else None, latent_dim=latent,
                 noise_eta=config.get("noise_eta", defaults.NOISE_ETA), adversarial=adversarial,
                 prior=config.get("prior", "uniform"), generator_loss=config.get("generator_loss", "non_saturating"),
                 noise_schedule=config.get("noise_schedule", "uniform"),
                 recon_reduction=config.get("recon_reduction", "sum"))


def trainer_timers(dataset_name="fashion_mnist", data_dir=None, steps=5, latent_dim=defaults.LATENT_DIM, batch=None,
                   only=None, precisions=("float32",)):
    """For the training benchmark: (name, precision) -> (callable running `steps` training steps of that
    trainer, its networks built under that Keras dtype policy, on real batches at its default batch
    size, or `batch` for all; the steps one of its full-length runs takes). `only`: the names wanted
    (default: all)."""
    data = load_dataset(dataset_name, data_dir)
    shape, n_train = data.image_shape, data.split("train").size

    def batches_of(size):
        return data.pipeline("train", batch or size, drop_remainder=True).take(steps).cache().repeat()

    adam = lambda lr=defaults.AEGAN_LR: keras.optimizers.Adam(lr, beta_1=0.5)  # noqa: E731
    epoch = math.ceil(n_train / (batch or defaults.AEGAN_BATCH[dataset_name]))

    def build(name):
        if name == "aegan":
            model = AEGAN(build_encoder(shape, latent_dim), build_decoder(shape, latent_dim), build_discriminator(shape),
                          latent_dim=latent_dim)
            model.compile(e_optimizer=adam(), g_optimizer=adam(), d_optimizer=adam())
        elif name == "magnet":
            model = AEGAN(build_encoder(shape, latent_dim), build_decoder(shape, latent_dim), adversarial=False,
                          noise_eta=defaults.MAGNET_NOISE, noise_schedule="fixed", recon_reduction="mean",
                          latent_dim=latent_dim)
            model.compile(e_optimizer=adam(), g_optimizer=adam())
        elif name == "defensegan":
            model = WGANGP(build_decoder(shape, latent_dim, batchnorm=False), build_critic(shape), latent_dim=latent_dim)
            model.compile(d_optimizer=keras.optimizers.Adam(defaults.DGAN_TRAIN_LR, *defaults.DGAN_TRAIN_BETAS),
                          g_optimizer=keras.optimizers.Adam(defaults.DGAN_TRAIN_LR, *defaults.DGAN_TRAIN_BETAS))
        elif name == "bigan":
            model = build_bigan(shape, latent_dim)
        else:
            model = AdversarialTraining(build_classifier("A", shape, data.num_classes), eps=defaults.ADVTR_EPS[dataset_name])
            model.compile(optimizer=keras.optimizers.Adam(defaults.CLASSIFIER_LR))
        return model

    runs = {
        "aegan": (lambda: batches_of(defaults.AEGAN_BATCH[dataset_name]), defaults.AEGAN_EPOCHS[dataset_name] * epoch),
        "magnet": (lambda: batches_of(defaults.AEGAN_BATCH[dataset_name]), defaults.AEGAN_EPOCHS[dataset_name] * epoch),
        "bigan": (lambda: batches_of(defaults.AEGAN_BATCH[dataset_name]), defaults.AEGAN_EPOCHS[dataset_name] * epoch),
        "defensegan": (lambda: data.pipeline("train", defaults.DGAN_CRITIC_STEPS * (batch or defaults.DGAN_BATCH),
                                             drop_remainder=True).take(steps).cache().repeat(), defaults.DGAN_ITERATIONS),
        "advtrain": (lambda: batches_of(defaults.CLASSIFIER_BATCH),
                     defaults.ADVTR_EPOCHS * math.ceil(n_train / (batch or defaults.CLASSIFIER_BATCH))),
    }
    timers = {}
    for name, (make_batches, full) in runs.items():
        if only is not None and name not in only:
            continue
        ds = make_batches()
        for precision in precisions:
            with dtype_policy(precision):
                model = build(name)
            timers[name, precision] = ((lambda m: lambda: m.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0))(model),
                                       full)
    return timers
