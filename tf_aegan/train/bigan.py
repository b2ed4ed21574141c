"""BiGAN (Donahue et al. 2016) as a `keras.Model`: encoder E, generator G, joint discriminator D(x, z).

D learns to tell (x, E(x)) from (G(z), z); E and G learn to fool it (the non-saturating form: labels
swapped). At the optimum E inverts G, but only in distribution: the paper (Section 3, Table 3) finds
BiGAN's reconstructions G(E(x)) poor, which is why BiGAN+s needs 60 search steps.
"""

import keras
import tensorflow as tf

from tf_aegan import defaults


class BiGAN(keras.Model):
    """`call(x)` is the reconstruction G(E(x)); z ~ U(-1, 1)^latent_dim matches E's tanh range."""

    def __init__(self, encoder, generator, discriminator, latent_dim=defaults.LATENT_DIM, seed=1337, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.generator, self.discriminator = encoder, generator, discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.eg_loss_tracker = keras.metrics.Mean(name="eg_loss")
        self.recon_tracker = keras.metrics.Mean(name="recon_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.eg_loss_tracker, self.recon_tracker]

    def compile(self, d_optimizer, eg_optimizer, **kwargs):
        """One optimizer for D, one for E and G together (they share one loss)."""
        kwargs.setdefault("optimizer", None)
        super().compile(**kwargs)
        self.d_optimizer, self.eg_optimizer = d_optimizer, eg_optimizer
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.eg_optimizer.build(self._eg_variables())

    def _eg_variables(self):
        return self.encoder.trainable_variables + self.generator.trainable_variables

    def call(self, x, training=False):
        return self.generator(self.encoder(x, training=training), training=training)

    def reconstruction_error(self, x):
        """||G(E(x)) - x||^2 per image, averaged: monitored only, BiGAN does not train on it."""
        return tf.reduce_mean(tf.reduce_sum(tf.square(tf.cast(self(x), tf.float32) - x), axis=[1, 2, 3]))

    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        z = keras.random.uniform((tf.shape(x)[0], self.latent_dim), -1.0, 1.0, seed=self.seed_generator)
        with tf.GradientTape(persistent=True) as tape:
            real = self.discriminator([x, self.encoder(x, training=True)], training=True)
            fake = self.discriminator([self.generator(z, training=True), z], training=True)
            ones, zeros = tf.ones_like(real), tf.zeros_like(real)
            d_loss = self.bce(ones, real) + self.bce(zeros, fake)
            eg_loss = self.bce(zeros, real) + self.bce(ones, fake)
        d_grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        eg_grads = tape.gradient(eg_loss, self._eg_variables())
        del tape
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))
        self.eg_optimizer.apply_gradients(zip(eg_grads, self._eg_variables()))
        self.d_loss_tracker.update_state(d_loss)
        self.eg_loss_tracker.update_state(eg_loss)
        self.recon_tracker.update_state(self.reconstruction_error(x))
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        self.recon_tracker.update_state(self.reconstruction_error(x))
        return {self.recon_tracker.name: self.recon_tracker.result()}
