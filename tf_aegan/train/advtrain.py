"""PGD adversarial training (Madry et al. 2018) of a classifier, as a `keras.Model` around it.

Each step replaces the batch (or the fraction `adv_fraction` of it) by CleverHans' PGD examples
against the current classifier (eps, `steps` x `step_size`, random start, true labels; as CleverHans' PGD), then takes
one optimizer step on the mixed batch. `steps=1` with `step_size=1.25 * eps` is FGSM with a random
start (Wong et al. 2020, "fast is better than free"). `loss="trades"` trains with TRADES (Zhang et
al. 2019): CE(f(x), y) + beta * KL(f(x) || f(x')), x' maximising the KL term by the same PGD.

With `purifier` (a frozen image-to-image function, e.g. an AE-GAN's G(F(x))) the classifier is trained
behind it: the attack goes through classifier(purifier(x)) and the classifier learns from the purified
adversarial images (the defended-classifier study's design 2, `tf_aegan/studies/defended.py`).

The training eps is a variable (`train_eps`) so a callback can ramp it up over the first epochs
(`EpsWarmup`); validation always attacks at the full eps with `val_steps` PGD steps, the robust
accuracy that early stopping watches (Rice et al. 2020: robust overfitting).
"""

import keras
import numpy as np
import tensorflow as tf

from tf_aegan import defaults
from tf_aegan.train.jobs import save_float32

LOSSES = ("pgd", "trades")


class AdversarialTraining(keras.Model):
    """`call(x)` is the classifier's logits; compile it as the classifier (one optimizer, loss, metrics)."""

    def __init__(self, classifier, eps=0.3, steps=defaults.ADVTR_STEPS, step_size=defaults.ADVTR_STEP_SIZE,
                 adv_fraction=defaults.ADVTR_FRACTION, loss="pgd", trades_beta=defaults.TRADES_BETA,
                 val_steps=defaults.ADVTR_VAL_STEPS, purifier=None, **kwargs):
        super().__init__(**kwargs)
        self.check(eps, steps, step_size, adv_fraction, loss, val_steps)
        self.classifier = classifier
        self.purifier = purifier  # None: the classifier sees the images themselves
        self.eps, self.steps, self.step_size, self.adv_fraction = float(eps), int(steps), float(step_size), adv_fraction
        self.loss_kind, self.trades_beta, self.val_steps = loss, float(trades_beta), int(val_steps)
        # The eps (and proportional step size) of the training attack; EpsWarmup changes it.
        self.train_eps = tf.Variable(self.eps, trainable=False, dtype=tf.float32, name="train_eps")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.adv_accuracy = keras.metrics.SparseCategoricalAccuracy(name="adv_accuracy")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @staticmethod
    def check(eps, steps, step_size, adv_fraction, loss="pgd", val_steps=1):
        """ValueError naming the setting that PGD adversarial training cannot use."""
        if not 0 < eps <= 1:
            raise ValueError(f"eps must be in (0, 1], got {eps}")
        if steps < 1 or step_size <= 0:
            raise ValueError(f"need steps >= 1 and step_size > 0, got steps={steps}, step_size={step_size}")
        if not 0 <= adv_fraction <= 1:
            raise ValueError(f"adv_fraction must be in [0, 1], got {adv_fraction}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
        if val_steps < 1:
            raise ValueError(f"val_steps must be at least 1, got {val_steps}")

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy, self.adv_accuracy]

    def _front(self, t):
        """What the classifier sees: the images, or the purifier's output (no gradient into its weights)."""
        return t if self.purifier is None else self.purifier(t)

    def _classify(self, t, training=False):
        """The classifier's logits in float32 (under mixed precision it computes in bfloat16)."""
        return tf.cast(self.classifier(t, training=training), tf.float32)

    def call(self, x, training=False):
        return self._classify(self._front(x), training=training)

    def _logits(self, t):
        return self._classify(self._front(t), training=False)

    def attack(self, x, y, eps=None, steps=None, step_size=None):
        """L-inf PGD examples of `x` against the classifier in inference mode (dropout off), uniform
        random start, true labels; the training attack by default (eps = `train_eps`, step size scaled
        with it). Written here rather than CleverHans' because that one refuses a step larger than
        eps (FGSM-RS's 1.25 eps) and a tensor eps (the warm-up)."""
        if eps is None:
            eps = self.train_eps
            step_size = self.step_size * self.train_eps / self.eps
        adv = tf.clip_by_value(x + tf.random.uniform(tf.shape(x), -1.0, 1.0) * eps, 0.0, 1.0)
        for _ in range(steps or self.steps):
            with tf.GradientTape() as tape:
                tape.watch(adv)
                loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, self._logits(adv),
                                                                                  from_logits=True))
            adv = adv + step_size * tf.sign(tape.gradient(loss, adv))
            adv = tf.clip_by_value(tf.clip_by_value(adv, x - eps, x + eps), 0.0, 1.0)
        return adv

    def trades_attack(self, x):
        """x' in the eps-ball maximising KL(f(x) || f(x')) (TRADES' inner problem), random start."""
        eps = self.train_eps
        step = self.step_size * eps / self.eps
        p = tf.stop_gradient(tf.nn.softmax(self._logits(x)))
        adv = tf.clip_by_value(x + 0.001 * tf.random.normal(tf.shape(x)), 0.0, 1.0)
        for _ in range(self.steps):
            with tf.GradientTape() as tape:
                tape.watch(adv)
                kl = tf.reduce_sum(keras.losses.kl_divergence(p, tf.nn.softmax(self._logits(adv))))
            adv = adv + step * tf.sign(tape.gradient(kl, adv))
            adv = tf.clip_by_value(tf.clip_by_value(adv, x - eps, x + eps), 0.0, 1.0)
        return adv

    def train_step(self, data):
        x, y = data[:2]
        if self.loss_kind == "trades":
            return self._trades_step(x, y)
        k = tf.cast(tf.round(self.adv_fraction * tf.cast(tf.shape(x)[0], tf.float32)), tf.int32)
        x_adv = tf.stop_gradient(self.attack(x[:k], y[:k]))
        mixed = tf.stop_gradient(self._front(tf.concat([x_adv, x[k:]], axis=0)))
        with tf.GradientTape() as tape:
            logits = self._classify(mixed, training=True)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        grads = tape.gradient(loss, self.classifier.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.classifier.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.adv_accuracy.update_state(y[:k], logits[:k])
        shown = [self.loss_tracker, self.adv_accuracy]
        if self.adv_fraction < 1:
            self.accuracy.update_state(y[k:], logits[k:])
            shown.append(self.accuracy)
        return {m.name: m.result() for m in shown}

    def _trades_step(self, x, y):
        x_adv = tf.stop_gradient(self._front(self.trades_attack(x)))
        x = tf.stop_gradient(self._front(x))
        with tf.GradientTape() as tape:
            logits = self._classify(x, training=True)
            adv_logits = self._classify(x_adv, training=True)
            natural = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            robust = tf.reduce_mean(keras.losses.kl_divergence(tf.nn.softmax(logits), tf.nn.softmax(adv_logits)))
            loss = natural + self.trades_beta * robust
        grads = tape.gradient(loss, self.classifier.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.classifier.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.accuracy.update_state(y, logits)
        self.adv_accuracy.update_state(y, adv_logits)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """Clean accuracy and PGD accuracy at the full eps (`val_steps` steps of 2.5 eps / val_steps)."""
        x, y = data[:2]
        self.accuracy.update_state(y, self._logits(x))
        adv = self.attack(x, y, eps=self.eps, steps=self.val_steps, step_size=2.5 * self.eps / self.val_steps)
        self.adv_accuracy.update_state(y, self._logits(adv))
        return {m.name: m.result() for m in (self.accuracy, self.adv_accuracy)}


class JointTraining(AdversarialTraining):
    """The defended-classifier study's design 3: encoder F, decoder G and classifier C fine-tuned together on
    adversarial examples made through the whole differentiable pipeline C(G(F(x))), with Eq. 5's terms kept
    (the `aegan`'s reconstruction of noisy images, G's GAN loss and D's step) so that G's outputs stay images.

    Each step: x' = PGD through C(G(F(.))) in inference mode; D takes its step; then C descends
    CE(C(G(F(x'))), y), F descends recon + w CE and G recon + GAN + w CE, w = `cls_weight`.
    `call(x)` is C(G(F(x))); compile with one optimizer per network.
    """

    def __init__(self, classifier, aegan, cls_weight=1.0, **kwargs):
        if cls_weight <= 0:
            raise ValueError(f"cls_weight must be > 0, got {cls_weight}")
        super().__init__(classifier, purifier=lambda t: aegan(t, training=False), **kwargs)
        if self.loss_kind != "pgd" or self.adv_fraction != 1.0:
            raise ValueError("joint training takes the PGD loss on whole adversarial batches (loss='pgd', adv_fraction=1)")
        self.aegan, self.cls_weight = aegan, float(cls_weight)
        self.recon_tracker = keras.metrics.Mean(name="recon_loss")

    @property
    def metrics(self):
        return [self.loss_tracker, self.adv_accuracy, self.recon_tracker, self.accuracy]

    def compile(self, optimizer, e_optimizer, g_optimizer, d_optimizer=None, **kwargs):
        """`optimizer` for the classifier, the others for the AE-GAN's networks (`AEGAN.compile`)."""
        super().compile(optimizer=optimizer, **kwargs)
        self.aegan.compile(e_optimizer, g_optimizer, d_optimizer)
        self.optimizer.build(self.classifier.trainable_variables)

    def train_step(self, data):
        x, y = data[:2]
        x_adv = tf.stop_gradient(self.attack(x, y))
        if self.aegan.adversarial:
            self.aegan.discriminator_step(x)
        with tf.GradientTape(persistent=True) as tape:
            recon, g_loss = self.aegan.generator_losses(x)
            logits = self._classify(self.aegan(x_adv, training=True), training=True)
            ce = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            e_total = recon + self.cls_weight * ce
            g_total = e_total if g_loss is None else e_total + g_loss
        c_grads = tape.gradient(ce, self.classifier.trainable_variables)
        self.aegan.apply_generator_gradients(tape, e_total, g_total)
        del tape
        self.optimizer.apply_gradients(zip(c_grads, self.classifier.trainable_variables))
        self.loss_tracker.update_state(ce)
        self.adv_accuracy.update_state(y, logits)
        self.recon_tracker.update_state(recon)
        return {m.name: m.result() for m in (self.loss_tracker, self.adv_accuracy, self.recon_tracker)}

    def test_step(self, data):
        """Clean and PGD accuracy through the pipeline (AdversarialTraining.test_step), and the reconstruction
        error of clean images (does G still give images?)."""
        logs = super().test_step(data)
        x = data[0]
        self.recon_tracker.update_state(self.aegan.reconstruction_loss(x, self.aegan(x, training=False)))
        return {**logs, "recon_loss": self.recon_tracker.result()}


class EpsWarmup(keras.callbacks.Callback):
    """Ramp the training eps linearly over the first `epochs` epochs: eps * (epoch + 1) / epochs
    (large-eps PGD training from scratch can stall at chance; Madry et al.'s MNIST note, Gowal et al. 2018)."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = int(epochs)

    def on_epoch_begin(self, epoch, logs=None):
        frac = min(1.0, (epoch + 1) / self.epochs) if self.epochs > 0 else 1.0
        self.model.train_eps.assign(self.model.eps * frac)


LR_SCHEDULES = ("constant", "piecewise", "cosine")


def lr_at(schedule, lr, epoch, epochs):
    """The learning rate of `epoch` (0-based) of `epochs`: constant; piecewise = Madry et al.'s 10x
    drops at 50% and 75% of training; cosine = half a cosine from lr to lr / 100."""
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"lr schedule must be one of {', '.join(LR_SCHEDULES)}, got {schedule!r}")
    if schedule == "constant":
        return lr
    if schedule == "piecewise":
        return lr * (1.0 if epoch < epochs // 2 else 0.1 if epoch < (3 * epochs) // 4 else 0.01)
    return lr / 100 + (lr - lr / 100) * 0.5 * (1 + np.cos(np.pi * epoch / max(1, epochs)))


class BestRobust(keras.callbacks.Callback):
    """Keep the networks of the epoch with the best validation robust accuracy, each as its path (early
    stopping's checkpoint, Rice et al. 2020): `networks` maps path -> network (a classifier; for joint
    training the encoder and decoder too); `best` carries over from a resumed run's history."""

    def __init__(self, networks, best=None, monitor="val_adv_accuracy", float32_builders=None):
        super().__init__()
        self.networks, self.best, self.monitor = dict(networks), best, monitor
        self.float32_builders = float32_builders or {}

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and (self.best is None or value > self.best):
            self.best = float(value)
            for path, net in self.networks.items():
                save_float32(net, path, self.float32_builders.get(path))
