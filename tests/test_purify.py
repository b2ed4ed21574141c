import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_aegan.purify import DefenseGANPurifier, Detector, LatentSearchPurifier, check_images
from tf_aegan.purify import search as S

SHAPE = (28, 28, 1)


def tiny_networks(latent=4):
    keras.utils.set_random_seed(1)
    enc = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(latent, activation="tanh")])
    dec = keras.Sequential([keras.Input((latent,)), keras.layers.Dense(28 * 28, activation="sigmoid"),
                            keras.layers.Reshape(SHAPE)])
    return enc, dec


def images(n=6, seed=0):
    return np.random.RandomState(seed).rand(n, *SHAPE).astype(np.float32)


def test_search_lowers_the_error_it_minimizes():
    enc, dec = tiny_networks()
    x = tf.constant(images())
    z0 = enc(x)
    before = S.per_example_error(dec(z0), x).numpy()
    z = S.descend(dec, x, z0, steps=15, step_size=1.0, factor=0.5, period=5, z_min=-1.0, z_max=1.0)
    after = S.per_example_error(dec(z), x).numpy()
    assert (after < before).all()
    assert np.abs(z.numpy()).max() <= 1.0  # kept in the encoder's tanh range
    assert S.per_example_error(dec(z), x, "l1").shape == (6,)


def test_search_is_differentiable_end_to_end():
    enc, dec = tiny_networks()
    purifier = LatentSearchPurifier(enc, dec, mode="search", steps=5)
    x = tf.constant(images(2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.function(purifier.search_tensor)(x)
        loss = tf.reduce_sum(out)
    grad = tape.gradient(loss, x)
    assert grad is not None and np.abs(grad.numpy()).sum() > 0


def test_step_schedule_multiplies_every_period():
    _, dec = tiny_networks()
    x = tf.constant(images(1))
    z0 = tf.zeros((1, 4))
    # With factor 0 the step size is zero after `period` steps, so more steps change nothing.
    a = S.descend(dec, x, z0, 3, 0.5, factor=0.0, period=3)
    b = S.descend(dec, x, z0, 9, 0.5, factor=0.0, period=3)
    c = S.descend(dec, x, z0, 4, 0.5, factor=1.0, period=3)
    np.testing.assert_allclose(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())


def test_restarts_keep_the_best_per_example():
    _, dec = tiny_networks()
    x = tf.constant(images(3))
    z = tf.constant(np.random.RandomState(2).uniform(-1, 1, (4 * 3, 4)).astype(np.float32))
    best_z, best_err = S.best_of_restarts(dec, x, z, restarts=4)
    errs = S.per_example_error(dec(z), tf.tile(x, [4, 1, 1, 1])).numpy().reshape(4, 3)
    np.testing.assert_allclose(best_err.numpy(), errs.min(axis=0), rtol=1e-6)
    for i in range(3):
        np.testing.assert_allclose(best_z.numpy()[i], z.numpy()[errs[:, i].argmin() * 3 + i])


def test_defensegan_projection_beats_a_single_random_start():
    _, dec = tiny_networks()
    x = images(4)
    many = DefenseGANPurifier(dec, steps=10, restarts=8, lr=10.0, seed=0).purify(x)
    one = DefenseGANPurifier(dec, steps=10, restarts=1, lr=10.0, seed=0).purify(x)
    assert many.images.shape == x.shape
    assert (many.errors.numpy() <= one.errors.numpy() + 1e-7).all()


def test_defensegan_restarts_start_where_its_code_starts_them():
    _, dec = tiny_networks()  # latent 4: Defense-GAN's code draws z ~ N(0, 1/4)
    z = DefenseGANPurifier(dec, restarts=500).initial_codes(10).numpy()
    assert z.shape == (5000, 4) and abs(z.std() - 0.5) < 0.02 and abs(z.mean()) < 0.02
    assert abs(DefenseGANPurifier(dec, restarts=500, init_std=1.0).initial_codes(10).numpy().std() - 1.0) < 0.04
    with pytest.raises(ValueError, match="init_std"):
        DefenseGANPurifier(dec, init_std=0.0)


def test_gating_routes_clean_through_reconstruction_and_flagged_through_search():
    enc, dec = tiny_networks()
    x = images(6)
    gated = LatentSearchPurifier(enc, dec, mode="gated")
    errors = gated.detector.errors(x)
    gated.detector.threshold = float(np.median(errors))
    out = gated.purify(x)
    flags = out.flags.numpy()
    np.testing.assert_array_equal(flags, errors > gated.threshold)
    assert 0 < flags.sum() < len(x)
    rec = LatentSearchPurifier(enc, dec, mode="reconstruct")(x).numpy()
    searched = LatentSearchPurifier(enc, dec, mode="search")(x).numpy()
    np.testing.assert_allclose(out.images.numpy()[~flags], rec[~flags], atol=1e-6)
    np.testing.assert_allclose(out.images.numpy()[flags], searched[flags], atol=1e-5)
    assert not np.allclose(rec[flags], searched[flags])


def test_gating_with_nothing_flagged_and_everything_flagged():
    from tf_aegan.models import build_decoder, build_encoder

    enc, dec = build_encoder(SHAPE, 4), build_decoder(SHAPE, 4)  # transposed convolutions, as in use
    x = images(3)
    assert not LatentSearchPurifier(enc, dec, threshold=1e9).purify(x).flags.numpy().any()
    assert LatentSearchPurifier(enc, dec, threshold=-1.0).purify(x).flags.numpy().all()


def test_detector_threshold_roc_and_l1():
    enc, dec = tiny_networks()
    # An untrained sigmoid decoder outputs about 0.5: images near 0.5 are the ones it reconstructs.
    clean = 0.45 + images(200) * 0.1
    signs = np.sign(np.random.RandomState(3).randn(*clean.shape)).astype(np.float32)
    noisy = np.clip(clean + 0.3 * signs, 0, 1)
    det = Detector(enc, dec, "mse")
    thr = det.fit_threshold(clean, fpr=0.05)
    assert abs(det.flags(clean).mean() - 0.05) <= 0.01 and det.threshold == thr
    _, _, _, auc = det.roc(clean, noisy)
    assert auc > 0.9
    assert Detector(enc, dec, "l1").errors(clean).shape == (200,)
    with pytest.raises(ValueError, match="unknown detector metric 'l3'"):
        Detector(enc, dec, "l3")
    with pytest.raises(ValueError, match="no threshold"):
        Detector(enc, dec).flags(clean)


def test_gated_without_threshold_is_refused():
    enc, dec = tiny_networks()
    with pytest.raises(ValueError, match="gated mode needs a detector threshold"):
        LatentSearchPurifier(enc, dec, mode="gated").purify(images(2))


@pytest.mark.parametrize("bad,message", [
    (np.zeros((28, 28, 1), np.float32), "rank 4"),
    (np.zeros((2, 32, 32, 1), np.float32), "must be 28x28, got 32x32"),
    (np.zeros((2, 28, 28, 3), np.float32), "1 channel"),
    (np.zeros((2, 28, 28, 1), np.uint8), "dtype uint8"),
    (np.full((2, 28, 28, 1), np.nan, np.float32), "NaN"),
    (np.full((2, 28, 28, 1), np.inf, np.float32), "non-finite"),
    (np.full((2, 28, 28, 1), 1.5, np.float32), r"in \[0, 1\], got values in \[1.5, 1.5\]"),
    (-np.ones((2, 28, 28, 1), np.float32), "must lie in"),
])
def test_bad_batches_are_refused_not_clipped(bad, message):
    enc, dec = tiny_networks()
    for purifier in (LatentSearchPurifier(enc, dec, mode="search"), DefenseGANPurifier(dec, steps=1, restarts=1)):
        with pytest.raises(ValueError, match=message):
            purifier.purify(bad)
    with pytest.raises(ValueError, match=message):
        check_images(tf.constant(bad), SHAPE)


def test_descend_trajectory_records_every_step_and_falls_for_a_small_step():
    import keras

    from tf_aegan.purify import search as S

    keras.utils.set_random_seed(0)
    dec = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        28 * 28, activation="sigmoid", kernel_initializer=keras.initializers.RandomNormal(stddev=1.0)),
        keras.layers.Reshape((28, 28, 1))])
    x = dec(tf.random.uniform((6, 4), -1, 1))
    z0 = tf.zeros((6, 4))
    z, errors = S.descend(dec, x, z0, 12, 1.0, trajectory=True)
    assert errors.shape == (13, 6)
    np.testing.assert_allclose(z, S.descend(dec, x, z0, 12, 1.0), rtol=1e-5)  # the same search either way
    mean = errors.numpy().mean(axis=1)
    assert mean[-1] < 0.5 * mean[0] and all(np.diff(mean) <= 1e-7)
    _, big = S.descend(dec, x, z0, 12, 100.0, trajectory=True)
    assert big.numpy().mean(axis=1)[-1] > mean[0]  # an oversized step climbs instead


def test_each_purifier_says_how_an_attacker_differentiates_through_it():
    """One interface (Purifier.gradient_paths): every path's forward pass is the classifier on what the
    attacker differentiates through, and every path gives a nonzero input gradient."""
    from tf_aegan.purify import Purifier

    enc, dec = tiny_networks()
    clf = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(10)])
    x = tf.constant(images(3))
    purifiers = {"none": Purifier(SHAPE), "reformer": LatentSearchPurifier(enc, dec, mode="reconstruct"),
                 "search": LatentSearchPurifier(enc, dec, mode="search", steps=2),
                 "defensegan": DefenseGANPurifier(dec, steps=2, restarts=2)}
    expected = {"none": {"pgd"}, "reformer": {"fgsm-white", "reconstruct"},
                "search": {"fgsm-white", "reconstruct", "bpda-gf", "search"}, "defensegan": {"bpda"}}
    for name, pur in purifiers.items():
        paths = pur.gradient_paths(clf)
        assert set(paths) == expected[name], name
        assert pur.random == (name == "defensegan")
        for path, fn in paths.items():
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(fn(x)[:, 0])
            assert float(tf.reduce_max(tf.abs(tape.gradient(loss, x)))) > 0, (name, path)
    # the search's BPDA path: the search's output forward, G(F(x))'s gradient backward
    search = purifiers["search"]
    np.testing.assert_allclose(search.gradient_paths(clf)["bpda-gf"](x).numpy(),
                               clf(search.search_tensor(x)).numpy(), atol=1e-5)
    assert search.label() == "(search, L 2)" and purifiers["defensegan"].label() == "(L 2, R 2)"
