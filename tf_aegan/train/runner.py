"""Resumable training in a work directory: config check, Keras callbacks, distribution strategy.

A run writes `config.json`, a `backup/` that `keras.callbacks.BackupAndRestore` refreshes every
epoch (weights and optimizer state, so a killed run resumes at the next epoch), `history.csv`
and TensorBoard logs; re-running the same command on the same folder resumes it.
"""

import csv
import json
import os
import sys
import time

import keras
import tensorflow as tf

from tf_aegan import checks

STRATEGIES = ("default", "mirrored")


def make_strategy(name, logical_cpus=None):
    """The `tf.distribute` strategy `name`; `logical_cpus` splits the CPU into N devices (testing)."""
    checks.one_of("strategy", name, STRATEGIES)
    if logical_cpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
    if name == "default":
        return tf.distribute.get_strategy()
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    strategy = tf.distribute.MirroredStrategy(devices)
    print(f"MirroredStrategy over {strategy.num_replicas_in_sync} devices: {', '.join(devices)}", flush=True)
    return strategy


def _parents(path):
    """The folders above `path` (outermost first), up to the current directory or the root."""
    out, path = [], os.path.dirname(os.path.normpath(path))
    while path and path not in (".", os.sep):
        out.append(path)
        path = os.path.dirname(path)
    return out[::-1]


def prepare_workdir(workdir, config, arch_keys, older=None):
    """Create `workdir` or check that its config matches `config` on `arch_keys`.

    Raises ValueError when the folder holds a run of another architecture, since its
    checkpoint could not be restored into the networks asked for. `older` gives the value of
    a key that configs written before it existed implicitly had.
    """
    older = older or {}
    recipe = os.environ.get("TF_AEGAN_RECIPE")  # set by the command's --config (tf_aegan.cli)
    if recipe:
        path, digest = recipe.rsplit(" ", 1)
        config = {**config, "recipe": path, "recipe_sha256": digest}
    missing = [p for p in _parents(workdir) if not os.path.isdir(p)]
    if missing:
        print(f"creating {workdir} (with {', '.join(missing)}, which did not exist)", flush=True)
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "config.json")
    if os.path.exists(path):
        try:
            with open(path) as f:
                old = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{path} is unreadable ({e}); remove the folder or choose another --workdir") from e
        old = {**older, **old}
        diff = {k: (old.get(k), config.get(k)) for k in arch_keys if old.get(k) != config.get(k)}
        if diff:
            said = ", ".join(f"{k}={a!r} there, {b!r} asked" for k, (a, b) in diff.items())
            raise ValueError(
                f"{workdir} holds a checkpoint of another architecture ({said}); "
                "choose another --workdir or the same settings")
        config = {**old, **config}
    elif os.path.isdir(os.path.join(workdir, "backup")):
        raise ValueError(f"{workdir} holds a checkpoint but no config.json; choose another --workdir")
    with open(path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    return config


def default_verbose():
    """Keras' progress bar on a terminal, one line per epoch in a log file."""
    return 1 if sys.stdout.isatty() else 2


EPOCH_SECONDS = "epoch_seconds.csv"


class EpochTimer(keras.callbacks.Callback):
    """Appends each finished epoch's wall-clock seconds to `epoch_seconds.csv`, so a run's training
    time survives kills and resumes (metrics.json is written only when a run ends)."""

    def __init__(self, workdir):
        super().__init__()
        self.path = os.path.join(workdir, EPOCH_SECONDS)

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        new = not os.path.exists(self.path)
        now = time.time()
        with open(self.path, "a") as f:
            f.write(("epoch,seconds,finished\n" if new else "") + f"{epoch},{now - self.start:.1f},{now:.1f}\n")


def training_seconds(workdir, since=None):
    """Seconds the epochs logged in `epoch_seconds.csv` took (a re-run epoch counts once, its last
    time); with `since` (a Unix time) only the epochs that finished after it, i.e. this run's. None
    for a run from before the file existed."""
    path = os.path.join(workdir, EPOCH_SECONDS)
    if not os.path.exists(path):
        return None
    by_epoch = {}
    with open(path) as f:
        for line in f.read().splitlines()[1:]:  # epoch,seconds[,finished]: older files lack `finished`
            cells = line.split(",")
            if len(cells) < 2:
                continue
            finished = float(cells[2]) if len(cells) > 2 and cells[2] else None
            by_epoch[int(cells[0])] = (float(cells[1]), finished)
    if since is not None:
        by_epoch = {e: v for e, v in by_epoch.items() if v[1] is not None and v[1] >= since}
    return round(sum(seconds for seconds, _ in by_epoch.values()), 1)


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras' BackupAndRestore that says when the latest checkpoint is unreadable and it falls back to
    the one before, and drops history.csv's rows of the epochs that will run again (no duplicates)."""

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
            return
        except OSError as e:
            if not os.path.exists(self._prev_weights_path):
                raise ValueError(f"the checkpoint in {self.backup_dir} is unreadable ({e}) and there is no earlier "
                                 "one; remove that folder to start over") from e
            reason = e
        super().on_train_begin(logs)
        epoch = getattr(self.model, "_initial_epoch", 0) or 0
        print(f"{self.backup_dir}: the latest checkpoint is unreadable ({type(reason).__name__}); resuming from the "
              f"one before, after epoch {epoch}", flush=True)
        history = os.path.join(os.path.dirname(self.backup_dir), "history.csv")
        if os.path.exists(history):
            with open(history) as f:
                rows = list(csv.reader(f))
            kept = rows[:1] + [r for r in rows[1:] if r and int(r[0]) < epoch]
            with open(history, "w", newline="") as f:
                csv.writer(f).writerows(kept)


def fit_resumable(model, train_ds, epochs, workdir, val_ds=None, callbacks=(), verbose=None, initial_epoch=0):
    """`model.fit` with BackupAndRestore, CSVLogger and TensorBoard in `workdir`.

    Returns the History; epochs finished before a kill are not run again. `initial_epoch` is for a
    run resumed from its committed networks (no backup/): the backup, when there is one, wins.
    """
    backup = BackupAndRestore(os.path.join(workdir, "backup"), delete_checkpoint=False, double_checkpoint=True)
    # The job's callbacks first, so what they change (networks, logs) is what gets backed up and logged.
    cbs = [
        *callbacks,
        EpochTimer(workdir),
        backup,
        keras.callbacks.CSVLogger(os.path.join(workdir, "history.csv"), append=True),
        keras.callbacks.TensorBoard(os.path.join(workdir, "tensorboard"), write_graph=False),
    ]
    try:
        return model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=cbs, shuffle=False,
                         verbose=default_verbose() if verbose is None else verbose, initial_epoch=initial_epoch)
    except ValueError as e:
        if "load" in str(e).lower() or "shape" in str(e).lower():
            raise ValueError(f"the checkpoint in {workdir}/backup does not fit these networks: {e}") from e
        raise


def completed_epochs(workdir):
    """How many epochs the run in `workdir` has finished (0 for a new run): from its backup, else
    from the epochs its history.csv logged (a run committed without its backup)."""
    path = os.path.join(workdir, "backup", "training_metadata.json")
    if not os.path.exists(path):
        return logged_epochs(workdir)
    with open(path) as f:
        return int(json.load(f)["epoch"])


def logged_epochs(workdir):
    """Epochs history.csv logged (its `epoch` column is 0-based; a re-run epoch counts once)."""
    path = os.path.join(workdir, "history.csv")
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        epochs = {int(row["epoch"]) for row in csv.DictReader(f)}
    return max(epochs) + 1 if epochs else 0
