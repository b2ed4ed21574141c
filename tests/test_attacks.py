import numpy as np
import pytest
import tensorflow as tf

from tf_aegan.attacks import carlini_wagner_l2, fgsm, pgd
from tf_aegan.attacks.cw import KerasCompatAdam


@pytest.fixture(scope="module")
def trained(tiny_classifier):
    return tiny_classifier


def acc(model, x, y):
    return float((np.argmax(model.predict(np.asarray(x), verbose=0), 1) == y).mean())


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_linf_attacks_stay_in_range_and_ball(trained, attack):
    model, x, y = trained
    adv = fgsm(model, x, 0.3, y=y) if attack == "fgsm" else pgd(model, x, 0.3, 0.05, 10, y=y, seed=0)
    adv = np.asarray(adv)
    assert adv.shape == x.shape and adv.min() >= 0.0 and adv.max() <= 1.0
    assert np.abs(adv - x).max() <= 0.3 + 1e-6
    assert acc(model, adv, y) < acc(model, x, y) - 0.5  # the attack works on an undefended model


def test_cw_needs_the_shim_under_keras3(trained):
    from cleverhans.tf2.attacks.carlini_wagner_l2 import CarliniWagnerL2

    model, x, _ = trained
    with pytest.raises(TypeError, match="not callable"):
        CarliniWagnerL2(model, batch_size=4, clip_min=0.0, clip_max=1.0, max_iterations=2, binary_search_steps=1).attack(x[:4])


def test_shimmed_adam_resets_state_but_not_learning_rate():
    opt = KerasCompatAdam(0.1)
    v = tf.Variable(tf.zeros(3))
    opt.apply_gradients([(tf.ones(3), v)])
    names = {var.name for var in opt.variables()}
    assert "learning_rate" not in names and "iteration" in names and len(opt.variables) == len(names) + 1


def test_cw_lowers_the_true_class_margin(trained):
    model, x, y = trained
    x, y = x[:10], y[:10]
    adv = carlini_wagner_l2(model, x, max_iterations=100, binary_search_steps=3, batch_size=10,
                            learning_rate=0.05, initial_const=1.0)
    assert adv.shape == x.shape and adv.min() >= 0.0 and adv.max() <= 1.0

    def margin(images):
        logits = model.predict(images, verbose=0)
        true = logits[np.arange(len(y)), y]
        logits[np.arange(len(y)), y] = -np.inf
        return true - logits.max(axis=1)

    assert margin(adv).mean() < margin(x).mean() - 1.0
    assert acc(model, adv, y) < acc(model, x, y)


def test_substitute_grows_by_jacobian_augmentation_and_mimics_the_oracle(trained):
    from tf_aegan.attacks.substitute import oracle_labels, train_substitute

    oracle, x, _ = trained
    sub, history = train_substitute(oracle, x[:20], arch="C", rounds=3, epochs_per_round=10, batch_size=20)
    assert [h["examples"] for h in history] == [20, 40, 80]
    assert history[-1]["queries"] == 20 + 40 + 80
    agreement = (oracle_labels(sub, x) == oracle_labels(oracle, x)).mean()
    assert agreement > 0.3  # chance is about 0.1


def test_threat_models_attack_the_right_function(trained):
    from tf_aegan.attacks.threat import black_box, gray_box, white_box

    model, x, y = trained
    seen = []

    def spy(model_fn, images, labels):
        seen.append((model_fn(images).shape, labels is None))
        return images

    class Halve:
        def white_box_part(self, images):
            seen.append("through the defense")
            return images * 0.5

    gray_box(spy, model, x[:3], y[:3])
    white_box(spy, model, Halve().white_box_part, x[:3], y[:3])
    black_box(spy, model, x[:3])
    assert seen == [((3, 10), False), "through the defense", ((3, 10), False), ((3, 10), True)]


def test_half_mask_blocks_exactly_half():
    from tf_aegan.attacks import half_mask

    x = np.ones((2, 28, 28, 1), np.float32)
    masked = half_mask(x)
    assert masked[:, 14:].max() == 0 and masked[:, :14].min() == 1 and x.min() == 1
    assert half_mask(x, "left")[:, :, :14].max() == 0
    with pytest.raises(ValueError, match="unknown side 'middle'"):
        half_mask(x, "middle")


def test_zero_gradient_white_box_returns_the_clean_images(trained):
    """The paper's white-box protocol: no gradient through the purifier, so FGSM does not move x."""
    from tf_aegan.attacks.threat import white_box, white_box_zero_gradient

    model, x, y = trained
    blur = lambda t: tf.nn.avg_pool2d(t, 3, 1, "SAME")  # noqa: E731  a differentiable stand-in purifier
    zero = np.asarray(white_box_zero_gradient(lambda m, a, b: fgsm(m, a, 0.3, y=b), model, blur, x, y))
    np.testing.assert_array_equal(zero, x)

    real = np.asarray(white_box(lambda m, a, b: fgsm(m, a, 0.3, y=b), model, blur, x, y))
    assert np.abs(real - x).max() > 0.29  # the real attack through the same purifier moves every image


def test_attack_labels_predicted_is_cleverhans_default(trained):
    from tf_aegan.attacks.threat import attack_labels

    model, x, y = trained
    assert attack_labels("predicted", y) is None
    assert attack_labels("true", y) is y
    with pytest.raises(ValueError, match="unknown attack labels 'guess'"):
        attack_labels("guess", y)
    wrong = (y + 1) % 10  # with labels that are wrong, FGSM moves away from them: accuracy can only help
    assert acc(model, fgsm(model, x, 0.3, y=wrong), y) > acc(model, fgsm(model, x, 0.3, y=None), y)


def test_cw_runs_more_images_than_its_batch_size(trained):
    # CleverHans makes a new perturbation variable per chunk of batch_size images; one Keras 3 optimizer
    # for all chunks refused the second ("Unknown variable"), as the ablation's CW on 2000 images did.
    model, x, _ = trained
    adv = carlini_wagner_l2(model, x[:5], max_iterations=3, binary_search_steps=1, batch_size=2)
    assert adv.shape == x[:5].shape and adv.min() >= 0.0 and adv.max() <= 1.0


def test_an_attack_traces_each_model_function_once_and_keeps_no_model_alive(trained):
    """pgd_linf and APGD reuse the graph traced for the same model function and settings (restarts,
    batches, eps, targets); other settings trace anew; the cache lets a dropped model function go."""
    import gc
    import weakref

    from tf_aegan.attacks import traced
    from tf_aegan.attacks.adaptive import pgd_linf
    from tf_aegan.attacks.autoattack import apgd

    model, x, y = trained
    traces = []

    def model_fn(v):
        traces.append(1)  # Python runs only while tracing
        return model(v)

    first = pgd_linf(model_fn, x, y, 0.1, 0.05, 3, seed=0)
    again = pgd_linf(model_fn, x, y, 0.1, 0.05, 3, seed=0)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(again))
    assert len(traces) == 1
    pgd_linf(model_fn, x, y, 0.2, 0.05, 3)  # another eps: the same graph
    assert len(traces) == 1
    pgd_linf(model_fn, x[:10], y[:10], 0.2, 0.05, 3)  # a second batch size: one graph for any size
    pgd_linf(model_fn, x[:7], y[:7], 0.2, 0.05, 3)
    assert len(traces) == 2
    pgd_linf(model_fn, x, y, 0.1, 0.05, 3, eot=2)  # other settings: their own graph (calling model_fn twice)
    assert len(traces) == 4
    apgd(model_fn, x, y, 0.1, iterations=5, loss="ce")
    after_first = len(traces)
    assert after_first > 4
    apgd(model_fn, x, y, 0.1, iterations=5, loss="ce", seed=1)
    assert len(traces) == after_first
    ref = weakref.ref(model_fn)
    del model_fn
    gc.collect()
    assert ref() is None
