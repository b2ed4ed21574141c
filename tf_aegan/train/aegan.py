"""AE-GAN+r as a `keras.Model` whose `train_step` is Algorithm 1 / Eq. 5 of the paper."""

import keras
import tensorflow as tf

from tf_aegan import checks, defaults

PRIORS = ("uniform", "normal")
GENERATOR_LOSSES = ("minimax", "non_saturating")
NOISE_SCHEDULES = ("uniform", "fixed")
NOISE_KINDS = ("gaussian", "adversarial")
RECON_REDUCTIONS = ("sum", "mean")


class AEGAN(keras.Model):
    """Encoder F, decoder G and discriminator D trained with Eq. 5.

    Each step: D ascends log D(x) + log(1 - D(G(z))); G descends its GAN loss plus the
    reconstruction ||G(F(x + e)) - x||_2^2 (summed over pixels, averaged over the batch), with
    sigma ~ U(0, noise_eta) drawn once per batch and e ~ N(0, sigma^2); F descends the
    reconstruction term only. `noise_schedule="fixed"` is Algorithm 1's literal reading (sigma =
    eta at every step); `recon_reduction="mean"` the text's "mean square error" (a per-pixel mean).
    `noise="adversarial"` (beyond the paper, as APE-GAN and Defense-VAE train) replaces e by an FGSM
    perturbation of size sigma against `noise_classifier` (classifier A) on its own predictions.
    `noise_eta=0` gives AE-GAN (no +r); `adversarial=False` a plain AE.
    The GAN loss of G is -log D(G(z)) by default, the non-saturating form Goodfellow et al. (2014)
    recommend for the same fixed point; Eq. 5's log(1 - D(G(z))) ("minimax") saturates here within
    a few steps, as D wins early and its gradient to G vanishes.
    `call(x)` is the reconstruction G(F(x)).
    """

    def __init__(self, encoder, decoder, discriminator=None, latent_dim=defaults.LATENT_DIM,
                 noise_eta=defaults.NOISE_ETA, adversarial=True, prior="uniform",
                 generator_loss="non_saturating", noise_schedule="uniform", recon_reduction="sum",
                 noise="gaussian", noise_classifier=None, seed=1337, **kwargs):
        super().__init__(**kwargs)
        checks.one_of("latent prior", prior, PRIORS)
        checks.one_of("generator loss", generator_loss, GENERATOR_LOSSES)
        checks.one_of("noise schedule", noise_schedule, NOISE_SCHEDULES)
        checks.one_of("reconstruction reduction", recon_reduction, RECON_REDUCTIONS)
        checks.one_of("noise", noise, NOISE_KINDS)
        if noise == "adversarial" and noise_classifier is None:
            raise ValueError("noise='adversarial' needs noise_classifier (the classifier the perturbation attacks)")
        if noise_eta < 0:
            raise ValueError(f"noise_eta must be >= 0, got {noise_eta}")
        if adversarial and discriminator is None:
            raise ValueError("adversarial=True needs a discriminator")
        self.encoder = encoder
        self.decoder = decoder
        self.discriminator = discriminator if adversarial else None
        self.latent_dim = latent_dim
        self.noise_eta = float(noise_eta)
        self.adversarial = adversarial
        self.prior = prior
        self.generator_loss = generator_loss
        self.noise_schedule = noise_schedule
        self.recon_reduction = recon_reduction
        self.noise = noise
        self.noise_classifier = noise_classifier
        if noise_classifier is not None:
            noise_classifier.trainable = False
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.recon_loss_tracker = keras.metrics.Mean(name="recon_loss")
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True, reduction="none")

    @property
    def metrics(self):
        trackers = [self.recon_loss_tracker]
        if self.adversarial:
            trackers = [self.d_loss_tracker, self.g_loss_tracker] + trackers
        return trackers

    def compile(self, e_optimizer, g_optimizer, d_optimizer=None, **kwargs):
        """One optimizer per network; other keyword arguments go to `keras.Model.compile`."""
        kwargs.setdefault("optimizer", None)  # one optimizer per network instead of Keras' default
        super().compile(**kwargs)
        if self.adversarial and d_optimizer is None:
            raise ValueError("an adversarial AEGAN needs d_optimizer")
        self.e_optimizer = e_optimizer
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer if self.adversarial else None
        # Built now so that a checkpoint holding optimizer state can be restored before fit().
        self.e_optimizer.build(self.encoder.trainable_variables)
        self.g_optimizer.build(self.decoder.trainable_variables)
        if self.adversarial:
            self.d_optimizer.build(self.discriminator.trainable_variables)

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def sample_prior(self, n):
        shape = (n, self.latent_dim)
        if self.prior == "uniform":
            return keras.random.uniform(shape, -1.0, 1.0, seed=self.seed_generator)
        return keras.random.normal(shape, seed=self.seed_generator)

    def reconstruction_loss(self, x, x_hat):
        """||x_hat - x||_2^2 per image (Eq. 2 and 5), or its per-pixel mean, averaged over the batch."""
        per_image = tf.reduce_sum if self.recon_reduction == "sum" else tf.reduce_mean
        return tf.reduce_mean(per_image(tf.square(tf.cast(x_hat, tf.float32) - x), axis=[1, 2, 3]))

    def _noisy(self, x):
        if self.noise_eta == 0:
            return x
        if self.noise_schedule == "fixed":
            sigma = self.noise_eta
        else:
            sigma = keras.random.uniform((), 0.0, self.noise_eta, seed=self.seed_generator)
        if self.noise == "adversarial":
            with tf.GradientTape() as tape:
                tape.watch(x)
                logits = self.noise_classifier(x, training=False)
                loss = keras.losses.sparse_categorical_crossentropy(
                    tf.stop_gradient(tf.argmax(logits, axis=-1)), logits, from_logits=True)
            return tf.clip_by_value(x + sigma * tf.sign(tape.gradient(loss, x)), 0.0, 1.0)
        return x + sigma * keras.random.normal(tf.shape(x), seed=self.seed_generator)

    def discriminator_step(self, x):
        """One step of D on real `x` and G(z): it descends -(log D(x) + log(1 - D(G(z)))); returns that loss."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        fake = self.decoder(self.sample_prior(tf.shape(x)[0]), training=True)
        with tf.GradientTape() as tape:
            # Logits in float32: under mixed precision the networks compute in bfloat16.
            real_logit = tf.cast(self.discriminator(x, training=True), tf.float32)
            fake_logit = tf.cast(self.discriminator(fake, training=True), tf.float32)
            d_loss = tf.reduce_mean(self.bce(tf.ones_like(real_logit), real_logit)) + tf.reduce_mean(
                self.bce(tf.zeros_like(fake_logit), fake_logit))
            scaled = d_loss / replicas
        grads = tape.gradient(scaled, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        self.d_loss_tracker.update_state(d_loss)
        return d_loss

    def generator_losses(self, x):
        """Eq. 5's terms for F and G, inside the caller's tape: the reconstruction of the noisy `x`, and
        G's GAN loss on G(z) (None for a plain AE)."""
        recon = self.reconstruction_loss(x, self(self._noisy(x), training=True))
        if not self.adversarial:
            return recon, None
        fake_logit = tf.cast(self.discriminator(self.decoder(self.sample_prior(tf.shape(x)[0]), training=True),
                                                training=True), tf.float32)
        if self.generator_loss == "minimax":
            # log(1 - D(G(z))) = -BCE(0, logit)
            return recon, -tf.reduce_mean(self.bce(tf.zeros_like(fake_logit), fake_logit))
        return recon, tf.reduce_mean(self.bce(tf.ones_like(fake_logit), fake_logit))

    def apply_generator_gradients(self, tape, e_total, g_total):
        """F descends `e_total`, G `g_total` (each already divided by the replicas), from the caller's tape."""
        g_grads = tape.gradient(g_total, self.decoder.trainable_variables)
        e_grads = tape.gradient(e_total, self.encoder.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_grads, self.decoder.trainable_variables))
        self.e_optimizer.apply_gradients(zip(e_grads, self.encoder.trainable_variables))

    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if self.adversarial:
            self.discriminator_step(x)
        with tf.GradientTape(persistent=True) as tape:
            recon, g_loss = self.generator_losses(x)
            g_total = recon if g_loss is None else recon + g_loss
            g_scaled, e_scaled = g_total / replicas, recon / replicas
        self.apply_generator_gradients(tape, e_scaled, g_scaled)
        del tape
        self.recon_loss_tracker.update_state(recon)
        if self.adversarial:
            self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        self.recon_loss_tracker.update_state(self.reconstruction_loss(x, self(x, training=False)))
        return {self.recon_loss_tracker.name: self.recon_loss_tracker.result()}
