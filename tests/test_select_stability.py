"""Stability selection: subsampling scheme, selection probabilities, error bound, plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Lasso

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import ATTR
from radiome.select.stability import StabilitySelection, stability_error_bound


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 20))
    y = (rng.random(150) < 1 / (1 + np.exp(-(2 * X[:, 0] - 2 * X[:, 1] + 1.5 * X[:, 2])))).astype(int)
    return pd.DataFrame(X, columns=[f"f{i:02d}" for i in range(20)]), y


def test_finds_informative_features_and_is_reproducible(data):
    X, y = data
    sel = StabilitySelection(n_resamples=20, threshold=0.7, pfer=2.0, random_state=0).fit(X, y)
    assert list(sel.get_feature_names_out()) == ["f00", "f01", "f02"]
    assert sel.stability_scores_.shape == (20, sel.param_grid_.size)
    assert ((sel.stability_scores_ >= 0) & (sel.stability_scores_ <= 1)).all()
    assert np.allclose(sel.stability_scores_ * 20, np.round(sel.stability_scores_ * 20))
    assert sel.error_bound_ <= 2.0
    assert sel.error_bound_ == pytest.approx(stability_error_bound(sel.q_, 0.7, 20))
    again = clone(sel).fit(X, y)
    np.testing.assert_array_equal(again.stability_scores_, sel.stability_scores_)
    out = sel.transform(X)
    assert out.attrs[ATTR] == ("StabilitySelection",)
    assert list(sel.results().index[: sel.get_support().sum()]) == sorted(
        sel.get_feature_names_out(), key=lambda c: -sel.max_scores_[list(X.columns).index(c)]
    )


def test_subsamples_are_stratified_and_complementary(data):
    _, y = data
    sel = StabilitySelection(n_resamples=6, complementary_pairs=True)
    subs = sel._subsamples(y, True, np.random.RandomState(0))
    assert len(subs) == 6
    for a, b in zip(subs[::2], subs[1::2]):
        assert not set(a) & set(b) and len(a) == len(b)
        assert abs(y[a].mean() - y.mean()) < 0.02
    plain = StabilitySelection(n_resamples=3, sample_fraction=0.3)._subsamples(y, True, np.random.RandomState(0))
    assert all(len(s) == int(0.3 * (y == 0).sum()) + int(0.3 * (y == 1).sum()) for s in plain)


def test_default_grid_and_pfer_truncation(data):
    X, y = data
    full = StabilitySelection(n_resamples=10, random_state=1).fit(X, y)
    assert full.param_grid_.size == 10
    assert full.param_grid_[-1] / full.param_grid_[0] == pytest.approx(10.0)
    cut = StabilitySelection(n_resamples=10, pfer=0.5, threshold=0.8, random_state=1).fit(X, y)
    assert cut.param_grid_.size <= 10 and cut.error_bound_ <= 0.5
    np.testing.assert_array_equal(cut.param_grid_, full.param_grid_[: cut.param_grid_.size])


def test_custom_base_for_continuous_outcome():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 10))
    yc = 2 * X[:, 0] - 1.5 * X[:, 1] + rng.normal(size=80) * 0.5
    sel = StabilitySelection(base=Lasso(), param_name="alpha", param_grid=[0.3, 0.1], n_resamples=10, random_state=0)
    sel.fit(X, yc)
    assert sel.get_support()[:2].all() and sel.max_scores_[:2].min() == 1.0
    with pytest.raises(DataError, match="Lasso"):
        StabilitySelection(n_resamples=4).fit(X, yc)
    with pytest.raises(ConfigError, match="no parameter 'C'"):
        StabilitySelection(base=Lasso(), param_grid=[1.0], n_resamples=4).fit(X, yc)


def test_config_errors(data):
    X, y = data
    for bad in [
        dict(n_resamples=0), dict(sample_fraction=1.0), dict(threshold=0.0),
        dict(complementary_pairs=True, sample_fraction=0.4), dict(complementary_pairs=True, n_resamples=5),
        dict(pfer=1.0, threshold=0.5), dict(pfer=-1.0),
    ]:  # fmt: skip
        with pytest.raises(ConfigError):
            StabilitySelection(**bad).fit(X, y)
    assert np.isnan(stability_error_bound(3.0, 0.5, 10))


def test_plot(data):
    import matplotlib

    matplotlib.use("Agg")
    X, y = data
    sel = StabilitySelection(n_resamples=6, random_state=0).fit(X, y)
    ax = sel.plot()
    assert ax.get_ylabel() == "selection probability" and ax.get_xscale() == "log"
    assert len(ax.get_lines()) == 20 + 1
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
