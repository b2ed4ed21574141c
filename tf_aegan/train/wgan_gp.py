"""Defense-GAN's generator as a `keras.Model`: WGAN-GP (Gulrajani et al. 2017) with its settings.

Defense-GAN's code (experiments/cfgs/gans/default.yml) trains the generator with 5 critic steps per
generator step, gradient penalty 10, latent 128 ~ N(0, I), Adam 1e-4 with betas (0.5, 0.9), batch
50. Each critic step here sees its own real batch, as in that code: the dataset yields batches of
`critic_steps * batch` images and `train_step` splits them.
"""

import keras
import tensorflow as tf

from tf_aegan import defaults


class WGANGP(keras.Model):
    """Generator G and critic D trained with the WGAN-GP losses.

    Critic: E[D(G(z))] - E[D(x)] + lambda * E[(||grad D(x_hat)||_2 - 1)^2], x_hat on lines between
    real and generated images. Generator: -E[D(G(z))]. `call(z)` is G(z).
    """

    def __init__(self, generator, critic, latent_dim=defaults.LATENT_DIM, critic_steps=defaults.DGAN_CRITIC_STEPS,
                 gp_weight=defaults.DGAN_GP_WEIGHT, seed=1337, **kwargs):
        super().__init__(**kwargs)
        if critic_steps < 1:
            raise ValueError(f"critic_steps must be at least 1, got {critic_steps}")
        if gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight}")
        self.generator, self.critic = generator, critic
        self.latent_dim, self.critic_steps, self.gp_weight = latent_dim, critic_steps, float(gp_weight)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.gp_tracker = keras.metrics.Mean(name="gradient_penalty")
        # -(critic loss without the penalty): the critic's estimate of the Wasserstein distance.
        self.w_tracker = keras.metrics.Mean(name="wasserstein")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.gp_tracker, self.w_tracker]

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """One optimizer per network; other keyword arguments go to `keras.Model.compile`."""
        kwargs.setdefault("optimizer", None)
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_optimizer.build(self.critic.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def sample_prior(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def gradient_penalty(self, real, fake):
        """E[(||grad_x D(x_hat)||_2 - 1)^2] over random interpolates x_hat of real and fake images."""
        alpha = keras.random.uniform((tf.shape(real)[0], 1, 1, 1), seed=self.seed_generator)
        mixed = real + alpha * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            score = tf.cast(self.critic(mixed, training=True), tf.float32)
        grads = tape.gradient(score, mixed)
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
        return tf.reduce_mean(tf.square(norm - 1.0))

    def _score(self, images, training):
        """The critic's mean score, in float32 whatever the dtype policy."""
        return tf.reduce_mean(tf.cast(self.critic(images, training=training), tf.float32))

    def _critic_step(self, real):
        n = tf.shape(real)[0]
        fake = tf.cast(self.generator(self.sample_prior(n), training=True), tf.float32)  # float32 under mixed precision
        with tf.GradientTape() as tape:
            w = self._score(real, True) - self._score(fake, True)
            gp = self.gradient_penalty(real, fake)
            d_loss = -w + self.gp_weight * gp
        grads = tape.gradient(d_loss, self.critic.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables))
        return d_loss, gp, w

    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        chunks = tf.split(x, self.critic_steps, axis=0)  # the pipeline batches critic_steps x batch images
        for real in chunks:
            d_loss, gp, w = self._critic_step(real)
        n = tf.shape(chunks[0])[0]
        with tf.GradientTape() as tape:
            g_loss = -self._score(self.generator(self.sample_prior(n), training=True), True)
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        for tracker, value in zip(self.metrics, (d_loss, g_loss, gp, w)):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        fake = self.generator(self.sample_prior(tf.shape(x)[0]), training=False)
        w = self._score(x, False) - self._score(fake, False)
        self.w_tracker.update_state(w)
        return {self.w_tracker.name: self.w_tracker.result()}
