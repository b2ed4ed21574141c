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


def test_decoder_uses_defensegan_crop():
    names = [layer.__class__.__name__ for layer in build_decoder((28, 28, 1)).layers]
    assert "Cropping2D" in names and names.count("Conv2DTranspose") == 3


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown classifier architecture 'D'"):
        build_classifier("D")
    with pytest.raises(ValueError, match=r"not \(32, 32, 3\)"):
        build_encoder((32, 32, 3))
