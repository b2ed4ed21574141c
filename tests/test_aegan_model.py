import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_aegan.models import build_decoder, build_discriminator, build_encoder
from tf_aegan.train.aegan import AEGAN


def make(adversarial=True, noise_eta=0.3, generator_loss="non_saturating", latent=8):
    keras.utils.set_random_seed(0)
    model = AEGAN(build_encoder(latent_dim=latent), build_decoder(latent_dim=latent),
                  build_discriminator() if adversarial else None, latent_dim=latent, noise_eta=noise_eta,
                  adversarial=adversarial, generator_loss=generator_loss)
    model.compile(keras.optimizers.Adam(2e-3), keras.optimizers.Adam(2e-3),
                  keras.optimizers.Adam(2e-4) if adversarial else None)
    return model


def data(n=16):
    rng = np.random.RandomState(0)
    x = np.zeros((n, 28, 28, 1), np.float32)
    for i in range(n):
        r, c = rng.randint(0, 20, 2)
        x[i, r:r + 8, c:c + 8] = 1.0
    return tf.constant(x)


def test_train_step_lowers_reconstruction_error():
    model, x = make(), data()
    before = float(model.reconstruction_loss(x, model(x)))
    # Keras' fit: train_step traced once, as a training run calls it
    history = model.fit(tf.data.Dataset.from_tensors(x).repeat(15), epochs=1, verbose=0).history  # 0.41 of before
    after = float(model.reconstruction_loss(x, model(x)))
    assert set(history) == {"d_loss", "g_loss", "recon_loss"}
    assert after < 0.7 * before


def test_discriminator_step_updates_only_with_adversarial_loss():
    model, x = make(), data()
    d_before = [w.numpy().copy() for w in model.discriminator.trainable_variables]
    model.train_step(x)
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(d_before, model.discriminator.trainable_variables))
    plain = make(adversarial=False)
    assert plain.discriminator is None
    assert set(plain.train_step(x)) == {"recon_loss"}


def test_noise_switch():
    x = data(4)
    assert make(noise_eta=0.0)._noisy(x) is x
    noisy = make(noise_eta=0.5)._noisy(x)
    assert noisy.shape == x.shape and not np.allclose(noisy, x)


def test_generator_loss_forms_differ_in_sign():
    x = data()
    assert float(make(generator_loss="minimax").train_step(x)["g_loss"]) < 0
    assert float(make(generator_loss="non_saturating").train_step(x)["g_loss"]) > 0


def test_bad_settings():
    with pytest.raises(ValueError, match="needs a discriminator"):
        AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), None, latent_dim=4)
    with pytest.raises(ValueError, match="unknown latent prior 'cauchy'"):
        AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), prior="cauchy")


def test_bn_recalibration_matches_inference_to_encoder_codes():
    from tf_aegan.train.jobs import RecalibrateDecoderBN

    enc, dec = build_encoder(latent_dim=8), build_decoder(latent_dim=8)
    x = data(16)
    for _ in range(30):  # pollute the moving statistics with prior samples, as GAN steps do
        dec(tf.random.uniform((16, 8), -1, 1) * 5, training=True)
    z = enc(x, training=False)
    bn = next(layer for layer in dec.layers if isinstance(layer, keras.layers.BatchNormalization))
    bn_input = keras.Model(dec.inputs, bn.input)

    def gap():  # moving mean against the mean of what the layer sees when decoding F(x)
        mean = tf.reduce_mean(bn_input(z, training=True), axis=[0, 1, 2])
        return float(tf.reduce_mean(tf.abs(bn.moving_mean - mean)))

    before = gap()
    # the same batch every step: momentum 0.99 leaves 0.99^200 = 13% of the polluted statistics
    RecalibrateDecoderBN(enc, dec, tf.data.Dataset.from_tensors((x, tf.zeros(16))).repeat(), batches=200).on_epoch_end(0)
    assert gap() < 0.2 * before


def test_noise_schedules_fixed_is_algorithm_1_literal_uniform_bounded():
    x = tf.zeros((64, 28, 28, 1))
    fixed = AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), latent_dim=4,
                  noise_eta=0.8, noise_schedule="fixed")
    stds = [float(tf.math.reduce_std(fixed._noisy(x))) for _ in range(5)]
    assert all(abs(s - 0.8) < 0.02 for s in stds)  # sigma = eta at every step
    uniform = AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), latent_dim=4,
                    noise_eta=0.8, noise_schedule="uniform", seed=3)
    stds = [float(tf.math.reduce_std(uniform._noisy(x))) for _ in range(20)]
    assert max(stds) < 0.81 and min(stds) < 0.6 and np.std(stds) > 0.05  # sigma ~ U(0, eta), one draw per batch
    with pytest.raises(ValueError, match="unknown noise schedule 'linear'"):
        AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), noise_schedule="linear")


def test_reconstruction_mean_is_the_per_pixel_mean_of_the_sum():
    x, x_hat = data(4), tf.zeros((4, 28, 28, 1))
    summed = make().reconstruction_loss(x, x_hat)
    m = make()
    m.recon_reduction = "mean"
    assert np.isclose(float(m.reconstruction_loss(x, x_hat)), float(summed) / 784, rtol=1e-5)
    with pytest.raises(ValueError, match="unknown reconstruction reduction 'max'"):
        AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), recon_reduction="max")


def test_adversarial_noise_is_an_fgsm_step_against_the_classifier():
    keras.utils.set_random_seed(0)
    clf = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    x = tf.clip_by_value(data(8) * 0.5 + 0.25, 0, 1)
    model = AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), latent_dim=4,
                  noise_eta=0.2, noise_schedule="fixed", noise="adversarial", noise_classifier=clf)
    noisy = model._noisy(x)
    delta = np.abs(np.asarray(noisy - x))
    assert np.allclose(delta.max(), 0.2, atol=1e-6) and float(tf.reduce_min(noisy)) >= 0
    pred = np.argmax(clf(x), 1)
    loss = lambda v: float(keras.losses.sparse_categorical_crossentropy(pred, clf(v), from_logits=True).numpy().mean())  # noqa: E731
    assert loss(noisy) > loss(x) + 0.1  # it climbs the classifier's loss, unlike random noise of that size
    assert clf.trainable is False
    with pytest.raises(ValueError, match="needs noise_classifier"):
        AEGAN(build_encoder(latent_dim=4), build_decoder(latent_dim=4), build_discriminator(), noise="adversarial")
