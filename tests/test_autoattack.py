"""AutoAttack (tf_aegan.attacks.autoattack): APGD against PGD and ART's APGD, the targeted DLR loss,
the ART wrapper's gradient, and the ensemble's bookkeeping."""

import numpy as np
import pytest
import tensorflow as tf

from tf_aegan.attacks.adaptive import pgd_linf
from tf_aegan.attacks.autoattack import (_checkpoints, apgd, art_classifier, autoattack, dlr_loss, eot,
                                         targeted_dlr_loss)


@pytest.fixture(scope="module")
def trained(tiny_classifier):
    model, x, y = tiny_classifier
    return (lambda v: model(v, training=False)), x, y


def acc(fn, x, y):
    return float((np.argmax(fn(tf.constant(x)).numpy(), 1) == y).mean())


def test_checkpoints_are_croce_and_heins():
    # p = 0, 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99 (their Section 3.2) times N = 100
    assert _checkpoints(100) == [0, 22, 41, 57, 70, 80, 87, 93, 99]


def test_apgd_stays_in_the_ball_and_range(trained):
    fn, x, y = trained
    adv, fooled, _ = apgd(fn, x, y, 0.1, iterations=10)
    assert adv.shape == x.shape and adv.min() >= 0 and adv.max() <= 1
    assert np.abs(adv - x).max() <= 0.1 + 1e-6
    # "fooled" says what the returned examples do
    assert np.array_equal(fooled, np.argmax(fn(tf.constant(adv)).numpy(), 1) != y)


def test_apgd_at_least_as_strong_as_pgd_with_the_same_steps(trained):
    fn, x, y = trained
    eps, steps = 0.13, 20  # the tiny network's accuracy falls from 1 to about 0 between 0.1 and 0.15
    pgd_adv = pgd_linf(fn, x, y, eps, 2.5 * eps / steps, steps, seed=0).numpy()
    apgd_adv = apgd(fn, x, y, eps, iterations=steps)[0]
    clean = acc(fn, x, y)
    assert acc(fn, apgd_adv, y) < clean  # it does something
    assert acc(fn, apgd_adv, y) <= acc(fn, pgd_adv, y)


def test_apgd_ce_no_weaker_than_arts(trained):
    from art.attacks.evasion import AutoProjectedGradientDescent

    fn, x, y = trained
    eps = 0.13
    ours = apgd(fn, x, y, eps, iterations=30)[0]
    art = AutoProjectedGradientDescent(art_classifier(fn, x.shape[1:]), norm=np.inf, eps=eps, eps_step=2 * eps,
                                       max_iter=30, nb_random_init=1, batch_size=len(x), loss_type="cross_entropy",
                                       verbose=False)
    theirs = art.generate(x, y=y)
    assert acc(fn, ours, y) <= acc(fn, theirs, y) + 0.03


def test_art_wrapper_gradient_equals_the_in_process_one(trained):
    fn, x, y = trained
    clf = art_classifier(fn, x.shape[1:])
    theirs = clf.loss_gradient(x[:8], np.eye(10)[y[:8]])
    v = tf.constant(x[:8])
    with tf.GradientTape() as tape:
        tape.watch(v)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[:8], logits=fn(v)))
    np.testing.assert_allclose(theirs, tape.gradient(loss, v).numpy(), rtol=1e-4, atol=1e-7)


def test_dlr_losses_match_their_definitions():
    logits = tf.constant([[4.0, 1.0, 3.0, 0.0, -1.0]])
    y, t = tf.constant([0]), tf.constant([1])
    # DLR: -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3) = -(4 - 3) / (4 - 1)
    np.testing.assert_allclose(dlr_loss(logits, y).numpy(), [-1 / 3], rtol=1e-6)
    # targeted: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2) = -(4 - 1) / (4 - 0.5)
    np.testing.assert_allclose(targeted_dlr_loss(logits, y, t).numpy(), [-3 / 3.5], rtol=1e-6)


def test_targeted_dlr_breaks_a_saturated_softmax_that_pgd_ce_cannot(trained):
    """Logits scaled by 1e4 saturate the softmax: the cross-entropy's gradient is exactly 0 in float32
    for confident images, so PGD-CE never moves; the DLR loss is scale-invariant and still works."""
    fn, x, y = trained
    saturated = lambda v: 1e4 * fn(v)  # noqa: E731
    eps = 0.15
    keep = np.argmax(fn(tf.constant(x)).numpy(), 1) == y
    x, y = x[keep], y[keep]
    pgd_adv = pgd_linf(saturated, x, y, eps, 2.5 * eps / 20, 20, rand_init=False).numpy()
    ce_acc = acc(saturated, pgd_adv, y)
    result = autoattack(saturated, x, y, eps, iterations=20, targets=3, attacks=("apgd-t",))
    assert result["accuracy"]["accuracy"] < ce_acc


def test_ensemble_is_the_per_image_worst_case_of_its_parts(trained):
    fn, x, y = trained
    eps = 0.12
    result = autoattack(fn, x, y, eps, iterations=10, targets=2, queries=50)
    after = [result["robust_after"][a] for a in ("apgd-ce", "apgd-t", "square")]
    # each attack only removes images; the ensemble is robust exactly where every part left it robust
    assert all(np.all(b <= a) for a, b in zip(after, after[1:]))
    assert np.array_equal(result["robust"], np.logical_and.reduce(after))
    assert result["accuracy"]["accuracy"] == pytest.approx(result["robust"].mean())
    # its examples are real: where an image is not robust, its example fools the model within eps
    broken = ~result["robust"] & (np.argmax(fn(tf.constant(x)).numpy(), 1) == y)
    adv = result["x_adv"]
    assert np.abs(adv - x).max() <= eps + 1e-6
    assert np.all(np.argmax(fn(tf.constant(adv[broken])).numpy(), 1) != y[broken])


def test_eot_averages_a_random_defense():
    calls = []

    def noisy(v):
        calls.append(1)
        return tf.ones((tf.shape(v)[0], 10)) * float(len(calls))

    out = eot(noisy, 4)(tf.zeros((2, 28, 28, 1)))
    assert len(calls) == 4 and np.allclose(out.numpy(), 2.5)
    with pytest.raises(ValueError, match="EOT samples"):
        eot(noisy, 0)


def test_bad_settings_are_value_errors(trained):
    fn, x, y = trained
    with pytest.raises(ValueError, match="loss"):
        apgd(fn, x, y, 0.1, loss="hinge")
    with pytest.raises(ValueError, match="target"):
        apgd(fn, x, y, 0.1, loss="dlr-targeted")
    with pytest.raises(ValueError, match="unknown AutoAttack"):
        autoattack(fn, x, y, 0.1, attacks=("fab",))


def test_an_interrupted_ensemble_resumes_from_its_finished_units(trained, tmp_path):
    """With a checkpoint (BatchCache.parts), every APGD run and Square chunk is kept when done: a run
    stopped half-way resumes at the first missing unit and ends where an uninterrupted run ends."""
    from tf_aegan.tables import BatchCache

    fn, x, y = trained
    eps, kw = 0.11, dict(iterations=5, targets=2, queries=20, batch_size=8, square_chunk=4)
    calls, stop = [], [None]

    def stopping(v):  # the defense scored: interrupted at its fifth call (the clean one, then 4 units)
        calls.append(len(v))
        if len(calls) == stop[0]:
            raise KeyboardInterrupt
        return np.argmax(fn(tf.constant(v)).numpy(), 1)

    whole = autoattack(fn, x, y, eps, predict_fn=stopping, **kw)
    uninterrupted = len(calls)
    parts = BatchCache(str(tmp_path)).parts("k", 0, "pgd")
    calls.clear()
    stop[0] = 5

    with pytest.raises(KeyboardInterrupt):
        autoattack(fn, x, y, eps, predict_fn=stopping, checkpoint=parts, **kw)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == 3 and all(".part.pgd.apgd-ce." in k for k in kept)  # 40 images: 5 chunks of 8
    calls.clear()
    stop[0] = None
    again = autoattack(fn, x, y, eps, predict_fn=stopping, checkpoint=parts, **kw)
    assert len(calls) == uninterrupted - 3  # the three kept units were loaded, not recomputed
    assert np.array_equal(again["robust"], whole["robust"]) and again["after"] == whole["after"]
    np.testing.assert_array_equal(again["x_adv"], whole["x_adv"])
    parts.clear()
    assert not list(tmp_path.iterdir())


def test_apgd_through_an_approximation_runs_on_past_its_first_fooling_iterate(trained):
    """Where model_fn only approximates the defense scored (here the classifier without the blur the
    defense applies, as G(F(x)) approximates the search), the first iterate that fools model_fn rarely
    fools the defense; running every iteration and trying the highest-loss iterate too breaks more."""
    fn, x, y = trained
    defense = lambda v: fn(tf.nn.avg_pool2d(v, 5, 1, "SAME"))  # noqa: E731
    predict = lambda v: np.argmax(defense(tf.constant(v)).numpy(), 1)  # noqa: E731
    kw = dict(iterations=20, attacks=("apgd-ce",), predict_fn=predict)
    stopping = autoattack(fn, x, y, 0.16, exact=True, **kw)
    full = autoattack(fn, x, y, 0.16, exact=False, **kw)
    assert full["accuracy"]["accuracy"] < stopping["accuracy"]["accuracy"]
    broken = ~full["robust"]
    assert np.all(predict(full["x_adv"][broken]) != y[broken])  # its examples fool the defense itself
    # on the model it differentiates, stopping early changes nothing: both return a fooling iterate
    first, fooled, best = apgd(fn, x, y, 0.16, iterations=20, stop_on_success=False)
    assert np.array_equal(fooled, np.argmax(fn(tf.constant(first)).numpy(), 1) != y)
