"""ComBat: equal to sva::ComBat (golden CSVs) and to neuroCombat, fit on train / apply to new."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from radiome.errors import ConfigError, DataError
from radiome.harmonize.combat import ComBat
from radiome.model._leakage import ATTR

try:  # the reference implementation (test extra); the sva goldens need nothing
    import neuroCombat as neuro
except ImportError:  # pragma: no cover
    neuro = None
needs_neuro = pytest.mark.skipif(neuro is None, reason="neuroCombat is not installed")
REF = Path(__file__).parent / "reference" / "select" / "combat"
TOL = 1e-8

SVA_CONFIGS = {
    "parametric": dict(covariates=["age", "sex"]),
    "nonparametric": dict(covariates=["age", "sex"], parametric=False),
    "parametric_mean_only": dict(covariates=["age", "sex"], mean_only=True),
    "nonparametric_mean_only": dict(covariates=["age", "sex"], parametric=False, mean_only=True),
    "parametric_ref_B": dict(covariates=["age", "sex"], ref_batch="B"),
    "parametric_no_covariates": dict(),
}


@pytest.mark.parametrize("config", sorted(SVA_CONFIGS))
def test_matches_sva_combat(config):
    X = pd.read_csv(REF / "input.csv")
    gold = pd.read_csv(REF / f"sva_{config}.csv")
    kw = SVA_CONFIGS[config]
    if not kw.get("covariates"):
        X = X.drop(columns=["age", "sex"])
    out = ComBat(batch="batch", **kw).fit_transform(X)
    assert list(out.columns) == list(gold.columns)
    assert np.abs(out.to_numpy() - gold.to_numpy()).max() < TOL


def _neuro(dat, covars, **kw):
    with contextlib.redirect_stdout(io.StringIO()):
        return neuro.neuroCombat(dat=dat, covars=covars, **kw)


def _fake_data(seed, size=200, n_feats=3, n_batches=3):
    """neuroCombat's own test-suite generator (tests/test_combat.py gen_fake_data), seeded; the
    continuous covariates are float32 values because neuroCombat casts them to float32."""
    rng = np.random.default_rng(seed)
    covars = pd.DataFrame(
        {
            "covars_0": rng.random(size).astype(np.float32).astype(float),
            "covars_1": rng.random(size).astype(np.float32).astype(float),
            "covars_2": pd.Categorical(rng.integers(0, 3, size)),
            "y": rng.random(size).astype(np.float32).astype(float),
            "batch": rng.integers(0, n_batches, size),
        }
    )
    data = rng.random((size, n_feats)).astype(np.float32).astype(float)
    return data, covars


@needs_neuro
@pytest.mark.parametrize(
    "kw",
    [dict(), dict(parametric=False), dict(eb=False), dict(mean_only=True), dict(parametric=False, mean_only=True)],
)
def test_matches_neurocombat_on_its_own_example(kw):
    data, covars = _fake_data(0)
    ref = _neuro(
        data.T.copy(), covars, batch_col="batch", categorical_cols=["covars_2"],
        continuous_cols=["covars_0", "covars_1", "y"], **kw,
    )["data"].T  # fmt: skip
    X = pd.concat([covars, pd.DataFrame(data, columns=["d0", "d1", "d2"])], axis=1)
    out = ComBat(batch="batch", covariates=["covars_0", "covars_1", "covars_2", "y"], **kw).fit_transform(X)
    assert np.abs(out.to_numpy() - ref).max() < TOL


@needs_neuro
@pytest.mark.parametrize("parametric", [True, False])
def test_matches_neurocombat_on_seeded_data_with_covariates(parametric):
    rng = np.random.default_rng(7)
    n, p = 120, 30
    batch = np.repeat(["site1", "site2", "site3", "site4"], [20, 30, 40, 30])
    age = rng.integers(30, 85, n).astype(float)
    sex = rng.choice(["F", "M"], n)
    shift = pd.Series(batch).map({"site1": 0, "site2": 2, "site3": -1, "site4": 0.5}).to_numpy()
    scale = pd.Series(batch).map({"site1": 1, "site2": 2.5, "site3": 0.5, "site4": 1.2}).to_numpy()
    Y = 3 + 0.05 * age[:, None] + (sex == "M")[:, None] + shift[:, None] * rng.uniform(0.5, 1.5, p)
    Y = Y + rng.normal(size=(n, p)) * scale[:, None]
    covars = pd.DataFrame({"site": batch, "age": age, "sex": sex})
    ref = _neuro(Y.T.copy(), covars, batch_col="site", categorical_cols=["sex"], continuous_cols=["age"],
                 parametric=parametric)  # fmt: skip
    X = pd.concat([covars, pd.DataFrame(Y, columns=[f"f{i}" for i in range(p)])], axis=1)
    est = ComBat(batch="site", covariates=["age", "sex"], parametric=parametric).fit(X)
    assert np.abs(est.transform(X).to_numpy() - ref["data"].T).max() < TOL
    e = ref["estimates"]
    assert np.abs(est.gamma_star_.to_numpy() - np.asarray(e["gamma.star"])).max() < TOL
    assert np.abs(est.delta_star_.to_numpy() - np.asarray(e["delta.star"])).max() < TOL
    assert np.abs(est.var_pooled_.to_numpy() - e["var.pooled"].ravel()).max() < TOL


class _NumpyShim:
    """numpy as neuroCombatFromTraining 0.2.12 expects it: it calls ``int()`` on the 1-element
    array ``np.where(...)[0]``, which NumPy 2 refuses; only ``where`` differs."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def where(*args):
        res = np.where(*args)
        return tuple(a.reshape(()) if a.size == 1 else a for a in res) if len(args) == 1 else res


def _from_training(dat, batch, estimates, monkeypatch):
    monkeypatch.setattr(sys.modules["neuroCombat.neuroCombat"], "np", _NumpyShim())
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return neuro.neuroCombatFromTraining(dat, batch, estimates)["data"]
    finally:
        monkeypatch.undo()


def _split_data(seed=3, n=150, p=12):
    rng = np.random.default_rng(seed)
    batch = rng.choice(["A", "B", "C"], n)
    shift = pd.Series(batch).map({"A": 0.0, "B": 1.0, "C": -2.0}).to_numpy()
    Y = rng.normal(size=(n, p)) * (1 + (batch == "B"))[:, None] + shift[:, None]
    X = pd.DataFrame(Y, columns=[f"f{i}" for i in range(p)])
    X.insert(0, "age", rng.integers(40, 80, n).astype(float))
    X.insert(0, "centre", batch)
    return X


@needs_neuro
def test_apply_to_new_data_equals_neurocombat_from_training(monkeypatch):
    X = _split_data()
    train, test = X.iloc[:100], X.iloc[100:]
    feats = [c for c in X.columns if c.startswith("f")]
    est = ComBat(batch="centre").fit(train.drop(columns="age"))
    ref_fit = _neuro(train[feats].to_numpy().T.copy(), train[["centre"]], batch_col="centre")
    ref = _from_training(test[feats].to_numpy().T, test["centre"].to_numpy(), ref_fit["estimates"], monkeypatch)
    out = est.transform(test.drop(columns="age"))
    assert np.abs(out.to_numpy() - ref.T).max() < TOL
    assert list(out.index) == list(test.index)


@needs_neuro
def test_transform_of_training_data_equals_fit_transform_with_covariates(monkeypatch):
    X = _split_data()
    est = ComBat(batch="centre", covariates=["age"])
    a = est.fit_transform(X)
    b = est.transform(X)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    # neuroCombatFromTraining replaces each case's covariate effect by the training mean, so
    # it does not reproduce its own training output when there are covariates (documented)
    feats = [c for c in X.columns if c.startswith("f")]
    fit = _neuro(X[feats].to_numpy().T.copy(), X[["centre", "age"]], batch_col="centre", continuous_cols=["age"])
    assert np.abs(a.to_numpy() - fit["data"].T).max() < TOL
    again = _from_training(X[feats].to_numpy().T, X["centre"].to_numpy(), fit["estimates"], monkeypatch)
    assert np.abs(again.T - fit["data"].T).max() > 1e-3


def test_location_scale_without_eb_equalises_batch_moments():
    X = _split_data()
    est = ComBat(batch="centre", eb=False).fit(X.drop(columns="age"))
    out = est.transform(X.drop(columns="age"))
    means = out.groupby(X["centre"]).mean()
    varis = out.groupby(X["centre"]).var(ddof=1)
    np.testing.assert_allclose(means.to_numpy(), np.tile(est.grand_mean_.to_numpy(), (3, 1)), atol=1e-10)
    np.testing.assert_allclose(varis.to_numpy(), np.tile(est.var_pooled_.to_numpy(), (3, 1)), rtol=1e-10)


def test_nonparametric_does_not_underflow_on_large_batches():
    rng = np.random.default_rng(0)
    b = np.repeat([0, 1], 900)
    X = pd.DataFrame(rng.normal(size=(1800, 5)) + b[:, None], columns=list("abcde")).assign(site=b)
    out = ComBat(batch="site", parametric=False).fit_transform(X)
    assert np.isfinite(out.to_numpy()).all()
    assert np.abs(out.groupby(b).mean().diff().iloc[1]).max() < 0.2


def test_refuses_unseen_batch_and_level_and_bad_input():
    X = _split_data()
    X["sex"] = np.where(np.arange(len(X)) % 2, "F", "M")
    est = ComBat(batch="centre", covariates=["age", "sex"]).fit(X)
    with pytest.raises(DataError, match=r"\['D'\].*not seen at fit"):
        est.transform(X.assign(centre="D"))
    with pytest.raises(DataError, match="level"):
        est.transform(X.assign(sex="X"))
    with pytest.raises(DataError, match="no column 'site'"):
        ComBat(batch="site").fit(X)
    with pytest.raises(DataError, match="non-numeric"):
        ComBat(batch="centre", covariates=["age"]).fit(X)
    with pytest.raises(DataError, match="confounded"):
        ComBat(batch="centre", covariates=["grp"]).fit(X.drop(columns="sex").assign(grp=X["centre"].map({"A": "a", "B": "b", "C": "b"})))
    with pytest.raises(DataError, match="two batches"):
        ComBat(batch="centre").fit(X.drop(columns="sex").assign(centre="A"))
    bad = X.drop(columns="sex").copy()
    bad.iloc[0, 3] = np.nan
    with pytest.raises(DataError, match="'f1'"):
        ComBat(batch="centre").fit(bad)
    with pytest.raises(ConfigError):
        ComBat(batch="centre", covariates="age").fit(X)
    with pytest.raises(ConfigError, match="ref_batch"):
        ComBat(batch="centre", covariates=["age", "sex"], ref_batch="Z").fit(X)
    with pytest.raises(ConfigError, match="categorical"):
        ComBat(batch="centre", covariates=["age", "sex"], categorical=["f0"]).fit(X)


def test_small_and_constant_batches_follow_sva():
    X = _split_data().drop(columns="age")
    X.loc[X.index[0], "centre"] = "solo"
    with pytest.warns(UserWarning, match="single case"):
        est = ComBat(batch="centre").fit(X)
    assert est.mean_only_ and (est.delta_star_.to_numpy() == 1).all()
    Y = _split_data().drop(columns="age")
    Y.loc[Y["centre"] == "A", "f3"] = 5.0
    with pytest.warns(UserWarning, match="constant within a batch"):
        est = ComBat(batch="centre").fit(Y)
    assert est.unadjusted_features_ == ["f3"]
    np.testing.assert_array_equal(est.transform(Y)["f3"], Y["f3"])


def test_output_layout_arrays_and_covariates():
    X = _split_data()
    X.attrs["cohort"] = "train"
    est = ComBat(batch="centre", covariates=["age"], keep_covariates=True).fit(X)
    out = est.transform(X)
    assert list(out.columns) == ["age"] + [f"f{i}" for i in range(12)]
    assert list(est.get_feature_names_out()) == list(out.columns)
    np.testing.assert_array_equal(out["age"], X["age"])
    assert out.attrs[ATTR] == ("ComBat",) and out.attrs["cohort"] == "train" and ATTR not in X.attrs
    plain = ComBat(batch="centre", covariates=["age"]).fit_transform(X)
    arr = X.assign(centre=X["centre"].map({"A": 0, "B": 1, "C": 2})).to_numpy(dtype=float)
    est_arr = ComBat(batch=0, covariates=[1]).fit(arr)
    np.testing.assert_allclose(est_arr.transform(arr), plain.to_numpy(), atol=1e-12)
    assert list(est_arr.get_feature_names_out())[:2] == ["x2", "x3"]
    with pytest.raises(ConfigError, match="position"):
        ComBat(batch="centre").fit(arr)


def test_pipeline_cross_validation_and_clone():
    X = _split_data()
    y = (X["f0"] + np.random.default_rng(0).normal(size=len(X)) > 0).astype(int)
    pipe = make_pipeline(ComBat(batch="centre", covariates=["age"]), LogisticRegression())
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    assert cross_val_score(pipe, X, y, cv=cv).shape == (3,)
    c = clone(ComBat(batch="centre", covariates=["age"], parametric=False))
    assert c.get_params()["parametric"] is False and c.get_params()["covariates"] == ["age"]
