import json
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_aegan.attacks.adaptive import bpda_identity, pgd_linf, spsa
from tf_aegan.models import build_decoder, build_encoder
from tf_aegan.purify import LatentSearchPurifier


@pytest.fixture(scope="module")
def tiny(tiny_classifier):
    return tiny_classifier


def test_gradient_through_the_unrolled_search_is_nonzero_and_matches_finite_differences():
    keras.utils.set_random_seed(1)
    pur = LatentSearchPurifier(build_encoder(latent_dim=4), build_decoder(latent_dim=4), mode="search", steps=3,
                               step_size=0.5)
    x = tf.constant(np.random.RandomState(0).rand(2, 28, 28, 1).astype(np.float32) * 0.8 + 0.1)
    w = tf.constant(np.random.RandomState(1).randn(2, 28, 28, 1).astype(np.float32))
    base = pur.search_tensor(x)  # centred, so float32 round-off does not swamp the differences
    f = lambda v: tf.reduce_sum((pur.search_tensor(v) - base) * w)  # noqa: E731
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = f(x)
    g = tape.gradient(value, x).numpy()
    assert np.abs(g).sum() > 0
    direction = np.sign(g) * (np.abs(g) >= np.quantile(np.abs(g), 0.9))  # the steepest 10% of pixels
    h = 1e-3
    numeric = (float(f(x + h * direction)) - float(f(x - h * direction))) / (2 * h)
    analytic = float((g * direction).sum())
    assert numeric == pytest.approx(analytic, rel=0.1)


def test_bpda_lowers_the_accuracy_of_a_purified_model(tiny):
    clf, x, y = tiny
    # A purifier whose own gradient is useless: quantisation (zero gradient almost everywhere).
    quantise = lambda v: tf.round(v * 4) / 4  # noqa: E731
    acc = lambda adv: float((np.argmax(clf(quantise(tf.constant(adv))), 1) == y).mean())  # noqa: E731
    clean = acc(x)
    direct = pgd_linf(lambda v: clf(quantise(v)), x, y, 0.3, 0.03, 20, rand_init=False)
    bpda = pgd_linf(lambda v: clf(bpda_identity(quantise)(v)), x, y, 0.3, 0.03, 20, rand_init=False)
    noise = np.clip(x + 0.3 * np.sign(np.random.RandomState(0).randn(*x.shape)), 0, 1).astype(np.float32)
    assert np.abs(np.asarray(direct) - x).max() == 0  # no gradient, no move
    assert acc(bpda) < clean - 0.5 and acc(bpda) < acc(noise) - 0.3
    assert np.abs(np.asarray(bpda) - x).max() <= 0.3 + 1e-6


def test_pgd_penalty_and_eot_and_bad_settings(tiny):
    clf, x, y = tiny
    free = pgd_linf(clf, x, y, 0.3, 0.05, 10, seed=0)
    held = pgd_linf(clf, x, y, 0.3, 0.05, 10, seed=0, penalty_fn=lambda v: tf.reduce_sum(tf.abs(v - x), [1, 2, 3]),
                    penalty_weight=100.0)
    assert float(tf.reduce_mean(tf.abs(held - x))) < 0.5 * float(tf.reduce_mean(tf.abs(free - x)))
    eot = pgd_linf(clf, x, y, 0.3, 0.05, 3, eot=2)
    assert eot.shape == x.shape
    with pytest.raises(ValueError, match="eot >= 1"):
        pgd_linf(clf, x, y, 0.3, 0.05, 3, eot=0)


def test_early_stop_keeps_the_first_adversarial_point_and_stops_computing_it(tiny):
    clf, x, y = tiny
    calls = []

    def counted(v):
        calls.append(int(v.shape[0]) if v.shape[0] is not None else -1)
        return clf(v)

    full = pgd_linf(clf, x, y, 0.3, 0.03, 20, rand_init=False)
    early = pgd_linf(counted, x, y, 0.3, 0.03, 20, rand_init=False, early_stop=True)
    wrong = lambda adv: np.argmax(clf(adv), 1) != y  # noqa: E731
    assert wrong(early).mean() >= wrong(full).mean()  # a found example is kept, never lost by later steps
    assert np.abs(np.asarray(early) - x).max() <= 0.3 + 1e-6 and float(tf.reduce_min(early)) >= 0
    # Images the model already gets wrong never move; once broken, images drop out of the batch.
    other = (np.argmax(clf(x), 1) + 1) % 10  # labels it does not predict
    one = pgd_linf(clf, x, other, 0.3, 0.03, 5, rand_init=False, early_stop=True)
    assert np.array_equal(np.asarray(one), x)
    assert len(set(calls)) > 1  # traced for shrinking batches (the step re-traces as images drop out)


def test_spsa_runs_under_keras_3_and_attacks(tiny):
    clf, x, y = tiny
    adv = np.asarray(spsa(clf, x[:3], y[:3], 0.3, steps=10, samples=32))
    assert adv.shape == (3, 28, 28, 1) and np.abs(adv - x[:3]).max() <= 0.3 + 1e-6
    margin = lambda v: float(tf.reduce_mean(tf.gather(clf(v), y[:3], batch_dims=1)))  # noqa: E731
    assert margin(adv) < margin(x[:3])


@pytest.mark.slow(43)  # seconds on one idle core: run longest first
def test_evaluate_adaptive_end_to_end_on_tiny_networks(tmp_path, capsys, tiny_networks):
    import evaluate.adaptive

    common = tiny_networks
    out = tmp_path / "out"
    # every path of a white-box attacker (reconstruct and gated run in test_autoattack_through_every_path_...)
    attacks = "pgd,fgsm-white,bpda,bpda-gf,search,gated-detector,served"
    result = evaluate.adaptive.main(common + ["--n", "8", "--eps", "0.3", "--steps", "3", "--restarts", "1",
                                              "--attacks", attacks, "--search-steps", "2", "--spsa-n", "2",
                                              "--spsa-steps", "2", "--spsa-samples", "4", "--sanity-n", "4",
                                              "--out", str(out)])
    saved = json.loads((out / "adaptive_mnist.json").read_text())
    assert saved["rows"] == json.loads(json.dumps(result["rows"]))
    attacks = {(r["defense"].split(" ")[0], r["attack"]) for r in saved["rows"]}
    assert {("A", "pgd"), ("AE-GAN+rs", "bpda"), ("AE-GAN+rs", "bpda-gf"), ("AE-GAN+rs", "search"), ("gated", "gated-detector"),
            ("SavedModel", "served")} <= attacks
    for r in saved["rows"]:
        assert set(r) >= {"method", "attack", "eps", "steps", "restarts", "accuracy", "ci", "n", "flagged"}
        assert r["n"] == 8 and 0 <= r["flagged"] <= 1
    by = {(r["defense"], r["attack"], r["eps"]): r["accuracy"] for r in saved["rows"]}
    for (defense, attack, eps), acc in by.items():
        if attack == "bpda":  # warm-started at the white-box FGSM example: never weaker than it
            assert acc <= by[(defense, "fgsm-white", eps)]
    names = [c["name"] for c in saved["sanity"]]
    assert any("SPSA" in n for n in names) and any("eps grows toward 1" in n for n in names)
    assert all(isinstance(c["passed"], bool) for c in saved["sanity"])
    assert "Sanity checks" in (out / "adaptive_mnist.md").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".cache")]
    # A run at one budget keeps its batches on --keep-cache; a later run with more budgets reuses them.
    cheap = common + ["--n", "8", "--steps", "3", "--methods", "none", "--attacks", "pgd", "--no-sanity",
                      "--out", str(out)]
    first = evaluate.adaptive.main(cheap + ["--eps", "0.3", "--keep-cache"])
    assert [p for p in out.iterdir() if p.name.startswith(".cache")]
    # Shipping another network into the work directory leaves the cache's key (A and the AE-GAN) as it was.
    shutil.copytree(tmp_path / "w" / "aegan", tmp_path / "w" / "magnet")
    capsys.readouterr()
    both = evaluate.adaptive.main(cheap + ["--eps", "0.3,0.1"])
    assert "resuming" in capsys.readouterr().out
    assert both["rows"][0]["accuracy"] == first["rows"][0]["accuracy"] and len(both["rows"]) == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".cache")]


def test_bpda_through_an_approximation_has_its_forward_and_its_gradient():
    from tf_aegan.attacks.adaptive import bpda_through

    x = tf.constant([[0.2, 0.7]])
    fn = lambda v: tf.round(v)  # noqa: E731  no gradient of its own
    approx = lambda v: 3.0 * v  # noqa: E731
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = bpda_through(fn, approx)(x)
        total = tf.reduce_sum(out)
    np.testing.assert_allclose(out.numpy(), [[0.0, 1.0]], atol=1e-6)
    np.testing.assert_allclose(tape.gradient(total, x).numpy(), [[3.0, 3.0]])


def test_cw_through_the_search_runs_once_without_eps_and_reports_its_distortion(tmp_path, tiny_networks, capsys):
    import evaluate.adaptive

    common = tiny_networks
    out = tmp_path / "out"
    result = evaluate.adaptive.main(common + ["--n", "6", "--eps", "0.1,0.3", "--methods", "ours", "--attacks",
                                              "fgsm-white,cw", "--cw-iterations", "5", "--cw-binary-steps", "1",
                                              "--search-steps", "2", "--no-sanity", "--out", str(out)])
    cw = [r for r in result["rows"] if r["attack"] == "cw"]
    assert [r["eps"] for r in cw] == [None]  # one row (through the search), not one per eps
    assert all(r["steps"] == 5 and r["restarts"] == 1 for r in cw)
    for r in cw:
        broken = round((1 - r["accuracy"]) * r["n"])
        assert (r["mean_l2"] is None) == (broken == 0)
        assert r["mean_l2"] is None or 0 <= r["mean_l2"] <= 28  # 0: A misreads the purified clean image
    text = (out / "adaptive_mnist.md").read_text()
    assert "CW-L2" in text and "| eps 0.1 | eps 0.3 |" in text
    # --folder ours=DIR puts another AE-GAN (a defended design's fine-tuned one) in front: here a missing one
    with pytest.raises(SystemExit) as e:
        evaluate.adaptive.main(common + ["--n", "6", "--eps", "0.1", "--methods", "ours", "--attacks", "fgsm-white",
                                         "--folder", "ours=no_such_aegan", "--no-sanity", "--out", str(out)])
    said = capsys.readouterr()
    assert e.value.code == 2 and "no_such_aegan" in said.out + said.err


def test_autoattack_through_every_path_with_its_checks(tmp_path, tiny_networks):
    import evaluate.adaptive

    common = tiny_networks
    out = tmp_path / "out"
    result = evaluate.adaptive.main(common + ["--n", "6", "--eps", "0.3", "--methods", "none,ours", "--attacks",
                                              "pgd,reconstruct,autoattack", "--steps", "3", "--restarts", "1",
                                              "--aa-iterations", "3", "--aa-targets", "2", "--aa-queries", "10",
                                              "--aa-queries-purifier", "5", "--aa-queries-for", "ours=3",
                                              "--aa-paths", "pgd,reconstruct,search",
                                              "--search-steps", "2", "--no-sanity", "--out", str(out)])
    aa = {r["defense"].split(" ")[0]: r for r in result["rows"] if r["attack"] == "autoattack"}
    assert set(aa) == {"A", "AE-GAN+rs", "gated"}
    # Square's budget: the bare classifier's, and --aa-queries-for's for every defense of AE-GAN+rs
    assert [aa[k]["square_queries"] for k in ("A", "AE-GAN+rs", "gated")] == [10, 3, 3]
    assert aa["A"]["paths"] == ["pgd"] and aa["AE-GAN+rs"]["paths"] == ["reconstruct", "search"]
    # APGD-CE and APGD-T along each path, then Square once, querying the defense itself
    assert list(aa["A"]["after"]) == ["pgd/apgd-ce", "pgd/apgd-t", "pgd/square"]
    assert list(aa["AE-GAN+rs"]["after"]) == ["reconstruct/apgd-ce", "reconstruct/apgd-t", "search/apgd-ce",
                                              "search/apgd-t", "square"]
    for r in aa.values():
        parts = [v["accuracy"] for v in r["after"].values()]
        assert parts == sorted(parts, reverse=True) and r["accuracy"] == parts[-1] <= r["clean"]["accuracy"]
    # the undefended classifier at eps 0.3 falls to 0, and AutoAttack is never weaker than PGD there
    assert aa["A"]["accuracy"] == 0.0
    names = [c["name"] for c in result["sanity"]]
    assert sum("never above any of its parts" in n for n in names) == 3
    assert all(c["passed"] for c in result["sanity"] if "never above" in c["name"])
    assert sum("below AutoAttack" in n for n in names) == 3  # AutoAttack the weak one: checked too
    saved = json.loads((out / "adaptive_mnist.json").read_text())
    assert all("_correct" not in r for r in saved["rows"])
    assert "AutoAttack (standard" in (out / "adaptive_mnist.md").read_text()
    with pytest.raises(SystemExit) as e:
        evaluate.adaptive.main(common + ["--aa-queries-for", "ours", "--out", str(out)])
    assert e.value.code == 2


def test_defended_classifier_rule_picks_the_most_robust_eligible_design():
    from tf_aegan.studies.defended import beats, pick

    base = {"clean": 0.80, "autoattack": 0.60}
    designs = {"a": {"clean": 0.79, "autoattack": 0.90},   # more robust, but loses clean accuracy: not eligible
               "b": {"clean": 0.80, "autoattack": 0.65},
               "c": {"clean": 0.85, "autoattack": 0.62}}
    assert pick(designs, base) == "b"
    assert pick({"a": designs["a"]}, base) is None
    assert beats([0.70, 0.75], [0.60, 0.69]) and not beats([0.68, 0.75], [0.60, 0.69])


def test_peer_check_compares_apgd_with_arts_on_the_same_images(tmp_path, tiny_networks):
    import evaluate.adaptive

    common = tiny_networks
    result = evaluate.adaptive.main(common + ["--peer-check", "--methods", "none", "--aa-paths", "pgd", "--eps", "0.3",
                                              "--n", "6", "--aa-iterations", "5", "--out", str(tmp_path / "out")])
    (row,) = result["rows"]
    assert row["path"] == "pgd" and row["ours"]["n"] == row["art"]["n"] == 6
    assert row["agrees"] == (row["ours"]["accuracy"] <= row["art"]["accuracy"] + 0.03)
    assert "ART" in (tmp_path / "out" / "peer_mnist.md").read_text()


def test_options_added_later_leave_earlier_cache_keys_as_they_were():
    """A run committed before --classifier and --split existed resumes from its batches: those fields
    enter the cache key only when set away from their defaults."""
    import dataclasses

    from tf_aegan.adaptive import CACHE_FIELDS, LATER_FIELDS, AdaptiveConfig, cache_key_settings

    settings = dataclasses.asdict(AdaptiveConfig(workdir="w", n=500))
    before = {k: settings[k] for k in CACHE_FIELDS if k not in LATER_FIELDS}  # the key's fields back then
    assert cache_key_settings(settings) == before
    assert cache_key_settings(dict(settings, split="val"))["split"] == "val"
    assert cache_key_settings(dict(settings, classifier="c.keras"))["classifier"] == "c.keras"
    assert cache_key_settings(dict(settings, aegan="aegan_z128")) == before  # the contents count, not the name


@pytest.mark.slow(46)  # seconds on one idle core: run longest first
@pytest.mark.xdist_group(name="baselines")  # one worker builds the baselines once
def test_adaptive_attacks_reach_every_baseline(with_baselines, tmp_path):
    import evaluate.adaptive

    methods = "none,advtr,magnet,bigan_s,defensegan,ae_s"
    with pytest.raises(SystemExit) as e:  # ae_s has no networks in the tiny work directory: reported, exit 3
        evaluate.adaptive.main(with_baselines + ["--methods", methods, "--attacks", "pgd,reconstruct,bpda,search",
                                                 "--eps", "0.3", "--n", "4", "--steps", "2", "--restarts", "2",
                                                 "--eot", "2", "--search-steps", "2", "--dgan-steps", "2",
                                                 "--dgan-restarts", "2", "--no-sanity", "--labels", "true",
                                                 "--out", str(tmp_path)])
    assert e.value.code == 3
    with open(tmp_path / "adaptive_mnist.json") as f:
        result = json.load(f)
    got = {(r["method"], r["attack"]) for r in result["rows"]}
    assert got == {("none", "pgd"), ("advtr", "pgd"), ("magnet", "reconstruct"), ("bigan_s", "reconstruct"),
                   ("bigan_s", "search"), ("defensegan", "bpda")}
    assert "ae_s" in result["missing"] and all(r["n"] == 4 and r["restarts"] == 2 for r in result["rows"])
    assert [r["defense"] for r in result["rows"] if r["method"] == "defensegan"] == ["defensegan (L 2, R 2)"]


def test_markdown_names_the_split_it_measured():
    """A validation run (a shipping rule's score) must not be headed as a test-set result."""
    from tf_aegan.adaptive import markdown

    result = {"dataset": "mnist", "n": 3, "labels": "true", "rows": [], "settings": {}}
    assert "(test, n=3," in markdown(result)  # results written before the split was recorded: the test set
    assert "(validation, n=3," in markdown({**result, "split": "val"})
    assert "(test, n=3," in markdown({**result, "split": "test"})


@pytest.mark.slow(30)
@pytest.mark.xdist_group(name="baselines")
def test_the_served_adversarially_trained_classifier_scores_as_in_process(with_baselines, tmp_path):
    """`served` on advtr: the classifier as `export.savedmodel --front detect` serves it, attacked through
    the loaded serving_default: the same outputs and input gradients as the network in process, and both
    PGD and AutoAttack rows for it."""
    import tensorflow as tf

    import evaluate.adaptive
    from tf_aegan.adaptive import AdaptiveConfig, _defenses
    from tf_aegan.evaluation import evaluation_inputs

    args = with_baselines + ["--methods", "advtr", "--attacks", "pgd,served,autoattack", "--aa-paths", "pgd,served",
                             "--eps", "0.05", "--n", "6", "--steps", "3", "--aa-iterations", "3", "--aa-targets", "2",
                             "--aa-queries", "10", "--aa-queries-purifier", "10", "--no-sanity", "--labels", "true",
                             "--out", str(tmp_path)]
    result = evaluate.adaptive.main(args)
    rows = {(r["defense"].split(" ")[0], r["attack"]): r for r in result["rows"]}
    assert set(rows) == {("advtr", "pgd"), ("advtr", "autoattack"), ("SavedModel", "served"),
                         ("SavedModel", "autoattack")}
    assert list(rows["SavedModel", "autoattack"]["after"]) == ["served/apgd-ce", "served/apgd-t", "served/square"]
    assert rows["SavedModel", "autoattack"]["square_queries"] == rows["advtr", "autoattack"]["square_queries"] == 10
    timed = result["seconds_per_image"]  # what each defense takes to answer, beside its robustness
    assert set(timed) == {r["defense"] for r in result["rows"]} and all(0 < t < 1 for t in timed.values())

    opt = lambda k: with_baselines[with_baselines.index(k) + 1]  # noqa: E731
    config = AdaptiveConfig(workdir=opt("--workdir"), dataset="mnist", data_dir=opt("--data-dir"), methods=("advtr",),
                            attacks=("served",), n=6)
    workdir, data, x, y, a = evaluation_inputs(config, "test")
    base, served = _defenses("advtr", a, workdir, config, data, lambda s: None)
    assert served.name == "SavedModel serving_default (front detect)" and served.networks == base.networks
    v = tf.constant(x[:6])
    probs = lambda fn: tf.nn.softmax(fn(v)).numpy()  # noqa: E731
    np.testing.assert_allclose(probs(served.paths["served"]), probs(base.paths["pgd"]), atol=1e-5)
    assert not np.allclose(probs(base.paths["pgd"]), probs(base.paths["pgd"])[:1])  # not a constant output

    def grad(fn):
        with tf.GradientTape() as tape:
            tape.watch(v)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[:6], logits=fn(v)))
        return tape.gradient(loss, v).numpy()

    g = grad(base.paths["pgd"])
    assert np.abs(g).max() > 0
    np.testing.assert_allclose(grad(served.paths["served"]), g, atol=1e-4 * np.abs(g).max())
