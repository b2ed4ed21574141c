"""Figures (tf_aegan.plots): image grids and curves are written, whatever the rows hold."""

import numpy as np
import pytest

from tf_aegan import plots


@pytest.mark.parametrize("shape", [(28, 28, 1), (64, 64, 3), (28, 28)])
def test_image_rows_draws_rows_of_any_length_with_labels(tmp_path, shape):
    rng = np.random.RandomState(0)
    rows = [rng.rand(4, *shape), rng.rand(2, *shape)]  # the second row shorter: blank cells
    path = tmp_path / "grid.png"
    plots.image_rows(rows, path, labels=["clean", "purified"], title="a grid")
    import matplotlib.image

    png = matplotlib.image.imread(path)
    assert png.shape[1] > png.shape[0] > 0  # four columns, two rows: wider than tall


def test_loss_curves_writes_its_plot(tmp_path):
    plots.loss_curves({"a": [1.0, 0.5], "b": [2.0, 1.0]}, ["a", "b"], tmp_path / "loss.png", title="x")
    assert (tmp_path / "loss.png").stat().st_size > 1000
