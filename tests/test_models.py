import subprocess
import sys

import numpy as np
import pytest

from tf_aegan.models import build_classifier, build_decoder, build_discriminator, build_encoder


@pytest.mark.parametrize("shape", [(28, 28, 1), (64, 64, 3)])
def test_aegan_networks_shapes_and_ranges(shape):
    x = np.random.RandomState(0).rand(3, *shape).astype(np.float32)
    z = build_encoder(shape, latent_dim=20)(x).numpy()
    assert z.shape == (3, 20) and np.abs(z).max() <= 1.0
    out = build_decoder(shape, latent_dim=20)(z).numpy()
    assert out.shape == (3, *shape) and out.min() >= 0 and out.max() <= 1
    assert build_discriminator(shape)(x).shape == (3, 1)


@pytest.mark.parametrize("arch,params", [("A", 1285194), ("B", 710218), ("C", 199210)])
def test_classifiers_match_table5(arch, params):
    model = build_classifier(arch)
    assert model.count_params() == params  # Table 5 layers, Defense-GAN paddings
    assert model(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 10)
    assert build_classifier(arch, (64, 64, 3), 2).output_shape == (None, 2)


def test_defensegan_reading_of_table5(tmp_path):
    model = build_classifier("A", init="unit_norm", dropout="keep")
    assert [l.rate for l in model.layers if l.__class__.__name__ == "Dropout"] == [0.75, 0.5]
    assert [l.rate for l in build_classifier("A").layers if l.__class__.__name__ == "Dropout"] == [0.25, 0.5]
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            w = layer.kernel.numpy()
            norms = np.linalg.norm(w.reshape(-1, w.shape[-1]), axis=0)
            np.testing.assert_allclose(norms, 1.0, rtol=1e-4)
            assert not np.any(layer.bias.numpy())
    path = str(tmp_path / "a.keras")
    model.save(path)
    import keras

    x = np.random.RandomState(0).rand(2, 28, 28, 1).astype(np.float32)
    np.testing.assert_allclose(keras.models.load_model(path)(x), model(x), atol=1e-6)
    code = f"from tf_aegan import store; print(store.load_keras({path!r}, 'classifier A').name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "classifier_A", out.stderr[-2000:]
    with pytest.raises(ValueError, match="unknown classifier init 'he'"):
        build_classifier("A", init="he")
    with pytest.raises(ValueError, match="unknown dropout reading 'drop'"):
        build_classifier("A", dropout="drop")


def test_decoder_uses_defensegan_crop():
    names = [layer.__class__.__name__ for layer in build_decoder((28, 28, 1)).layers]
    assert "Cropping2D" in names and names.count("Conv2DTranspose") == 3


def test_joint_discriminator_batchnorm_follows_table6_discriminator():
    from tf_aegan.models import build_joint_discriminator

    def norms(net):
        return [layer.__class__.__name__ for layer in net.layers].count("BatchNormalization")

    plain, with_bn = build_joint_discriminator(latent_dim=4), build_joint_discriminator(latent_dim=4, batchnorm=True)
    assert norms(plain) == 0 and norms(with_bn) == norms(build_discriminator()) == 2
    x, z = np.zeros((2, 28, 28, 1), np.float32), np.zeros((2, 4), np.float32)
    assert with_bn([x, z]).shape == (2, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown classifier architecture 'D'"):
        build_classifier("D")
    with pytest.raises(ValueError, match=r"not \(32, 32, 3\)"):
        build_encoder((32, 32, 3))


def test_shipped_networks_stay_under_60_mb_and_match_their_manifest():
    """Issue 10: the repository's networks stay under 60 MB in all; every shipped file is listed."""
    import json
    import os

    from tf_aegan.store import shipped_dir

    root = shipped_dir("fashion_mnist")
    files = [os.path.join(d, f) for d, _, names in os.walk(root) for f in names if f.endswith(".keras")]
    assert files and sum(os.path.getsize(f) for f in files) < 60e6
    with open(os.path.join(root, "manifest.json")) as f:
        listed = json.load(f)["networks"]
    assert {os.path.relpath(f, root) for f in files} == set(listed)
