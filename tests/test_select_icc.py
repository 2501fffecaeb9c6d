"""ICC forms and the reproducibility filter: Shrout & Fleiss (1979) Table 2, psych::ICC goldens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from radiome.errors import ConfigError, DataError
from radiome.model._leakage import ATTR
from radiome.select.icc import ICC_FORMS, ReproducibilityFilter, icc, icc_table

REF = Path(__file__).parent / "reference" / "select" / "icc"
SF = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)
PSYCH_TYPES = {"ICC1": "ICC(1,1)", "ICC2": "ICC(2,1)", "ICC3": "ICC(3,1)",
               "ICC1k": "ICC(1,k)", "ICC2k": "ICC(2,k)", "ICC3k": "ICC(3,k)"}  # fmt: skip


@pytest.mark.parametrize(
    "form, published",
    [("ICC(1,1)", 0.17), ("ICC(2,1)", 0.29), ("ICC(3,1)", 0.71), ("ICC(1,4)", 0.44), ("ICC(2,4)", 0.62), ("ICC(3,4)", 0.91)],
)
def test_shrout_fleiss_table2(form, published):
    res = icc(SF, form)
    assert abs(res.estimate.value - published) <= 0.005
    assert res.n_cases == 6 and res.n_raters == 4


def _golden():
    return pd.read_csv(REF / "psych_icc.csv")


@pytest.mark.parametrize("dataset", ["shrout_fleiss", "seeded_n25_k3", "seeded_n12_k2"])
def test_matches_psych_icc(dataset):
    gold = _golden()
    gold = gold[gold["dataset"] == dataset]
    data = pd.read_csv(REF / f"{dataset}_input.csv")
    level = 1.0 - float(gold["alpha"].iloc[0])
    worst = 0.0
    for psych_type, form in PSYCH_TYPES.items():
        table = icc_table(data, form, level=level, repeat_column="repeat_id")
        g = gold[gold["type"] == psych_type].set_index("feature")
        for ours, theirs in [("icc", "ICC"), ("F", "F"), ("df1", "df1"), ("df2", "df2"), ("p", "p"),
                             ("lower", "lower"), ("upper", "upper")]:  # fmt: skip
            diff = np.abs(table.loc[g.index, ours].to_numpy() - g[theirs].to_numpy())
            worst = max(worst, diff.max())
            np.testing.assert_allclose(table.loc[g.index, ours], g[theirs], rtol=0, atol=1e-6, err_msg=f"{form} {ours}")
    assert worst < 1e-6


def test_single_feature_result_object_matches_table():
    data = pd.read_csv(REF / "seeded_n25_k3_input.csv")
    wide = data.pivot(index="case", columns="repeat_id", values="f2")
    res = icc(wide, "ICC(A,1)", level=0.9)
    row = icc_table(data, "ICC(2,1)", level=0.9, repeat_column="repeat_id").loc["f2"]
    assert res.form == "ICC(2,1)" and "absolute agreement" in res.description
    assert res.estimate.value == pytest.approx(row["icc"], abs=1e-12)
    assert (res.estimate.lower, res.estimate.upper) == pytest.approx((row["lower"], row["upper"]), abs=1e-12)
    assert res.estimate.level == 0.9 and res.estimate.method == "F"
    assert res.p_value == pytest.approx(row["p"], abs=1e-15)
    d = res.to_dict()
    assert d["estimate"]["value"] == res.estimate.value and d["n_raters"] == 3


def test_layouts_agree():
    data = pd.read_csv(REF / "seeded_n25_k3_input.csv")
    feats = [c for c in data.columns if c.startswith("f")]
    shuffled = data.sample(frac=1.0, random_state=0)
    long = icc_table(shuffled, "ICC(3,1)", repeat_column="repeat_id")
    cube = np.stack([data[data.repeat_id == r].sort_values("case")[feats].to_numpy() for r in (1, 2, 3)], axis=1)
    arr = icc_table(cube, "ICC(3,1)")
    tables = [data[data.repeat_id == r].set_index("case")[feats] for r in (1, 2, 3)]
    tables[1] = tables[1].iloc[::-1]  # rows matched on the index
    lst = icc_table(tables, "ICC(3,1)")
    np.testing.assert_allclose(long.loc[feats].to_numpy(), arr.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(lst.loc[feats].to_numpy(), arr.to_numpy(), atol=1e-12)
    assert list(arr.index) == [f"x{i}" for i in range(len(feats))]


def test_form_names_and_aliases():
    assert set(ICC_FORMS) == {"ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"}
    for alias, canon in [("ICC(C,1)", "ICC(3,1)"), ("icc3k", "ICC(3,k)"), ("ICC(A,k)", "ICC(2,k)"), ("ICC1", "ICC(1,1)")]:
        assert icc(SF, alias).form == canon
        assert icc(SF, alias).estimate.value == icc(SF, canon).estimate.value
    with pytest.raises(ConfigError, match="4 repeats"):
        icc(SF, "ICC(3,5)")
    with pytest.raises(ConfigError, match="not an ICC form"):
        icc(SF, "ICC(4,1)")
    with pytest.raises(ConfigError, match="level"):
        icc(SF, level=95)


def test_input_errors():
    long = pd.DataFrame({"case": [1, 1, 2, 2, 3], "repeat": [1, 2, 1, 2, 1], "f": [1.0, 2, 3, 4, 5]})
    with pytest.raises(DataError, match="incomplete"):
        icc_table(long)
    dup = pd.DataFrame({"case": [1, 1, 2, 2], "repeat": [1, 1, 1, 2], "f": [1.0, 2, 3, 4]})
    with pytest.raises(DataError, match="more than once"):
        icc_table(dup)
    with pytest.raises(DataError, match="no column 'rater'"):
        icc_table(long, repeat_column="rater")
    bad = SF.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        icc(bad)
    with pytest.raises(DataError, match="2 repeats"):
        icc(SF[:, :1])
    with pytest.raises(DataError, match="2-D"):
        icc(SF.ravel())


def test_degenerate_features():
    perfect = np.repeat(np.arange(5.0)[:, None], 3, axis=1)
    res = icc(perfect, "ICC(2,1)")
    assert res.estimate.value == 1.0 and res.estimate.lower == 1.0
    assert np.isnan(icc(np.ones((5, 3))).estimate.value)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 100.0),
    shift=st.floats(-1e3, 1e3),
    form=st.sampled_from(sorted(ICC_FORMS)),
)
def test_icc_invariant_to_affine_change_and_case_order(seed, scale, shift, form):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(12, 1)) * 2 + rng.normal(size=(12, 3))
    base = icc(x, form).estimate
    moved = icc(scale * x + shift, form).estimate
    perm = icc(x[rng.permutation(12)], form).estimate
    for other in (moved, perm):
        assert other.value == pytest.approx(base.value, abs=1e-9)
        assert other.lower == pytest.approx(base.lower, abs=1e-9)
        assert other.upper == pytest.approx(base.upper, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), offsets=st.lists(st.floats(-5, 5), min_size=3, max_size=3))
def test_consistency_forms_ignore_rater_offsets(seed, offsets):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(15, 1)) * 2 + rng.normal(size=(15, 3))
    shifted = x + np.asarray(offsets)
    assert icc(shifted, "ICC(3,1)").estimate.value == pytest.approx(icc(x, "ICC(3,1)").estimate.value, abs=1e-9)
    assert icc(shifted, "ICC(3,k)").estimate.value == pytest.approx(icc(x, "ICC(3,k)").estimate.value, abs=1e-9)


def _repeated(seed=0, n=30):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(n, 4)) * np.array([3.0, 3.0, 0.2, 1.5])
    reps = []
    for r in range(2):
        table = pd.DataFrame(truth + rng.normal(size=(n, 4)) * 0.5, columns=["good", "good2", "noisy", "mid"])
        table.insert(0, "repeat", r)
        table.insert(0, "case", np.arange(n))
        reps.append(table)
    return pd.concat(reps, ignore_index=True)


def test_reproducibility_filter_fit_on_repeats_transform_single_table():
    long = _repeated()
    filt = ReproducibilityFilter(threshold=0.75).fit(long)
    assert list(filt.get_feature_names_out()) == ["good", "good2", "mid"]
    assert filt.icc_.loc["noisy", "icc"] < 0.75
    single = long[long["repeat"] == 0].drop(columns=["case", "repeat"]).set_index(np.arange(30) + 100)
    out = filt.transform(single)
    assert list(out.columns) == ["good", "good2", "mid"] and list(out.index) == list(single.index)
    assert out.attrs[ATTR] == ("ReproducibilityFilter",)
    strict = ReproducibilityFilter(threshold=0.75, criterion="lower").fit(long)
    assert set(strict.get_feature_names_out()) <= set(filt.get_feature_names_out())
    assert (strict.icc_["lower"][strict.get_support()] >= 0.75).all()
    with pytest.raises(DataError, match="columns seen at fit"):
        filt.transform(single[["good", "mid", "noisy", "good2"]])


def test_reproducibility_filter_in_pipeline_with_repeated_param():
    long = _repeated()
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(60, 4)), columns=["good", "good2", "noisy", "mid"])
    y = (X["good"] + rng.normal(size=60) > 0).astype(int)
    pipe = make_pipeline(ReproducibilityFilter(repeated=long), LogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    fitted = pipe.fit(X, y)
    assert list(fitted[0].get_feature_names_out()) == ["good", "good2", "mid"]
    clone(pipe)
    with pytest.raises(DataError, match="not in the repeated"):
        ReproducibilityFilter(repeated=long).fit(X.assign(age=1.0))


def test_reproducibility_filter_array_layout_and_params():
    long = _repeated()
    cube = np.stack([long[long.repeat == r].iloc[:, 2:].to_numpy() for r in (0, 1)], axis=1)
    filt = ReproducibilityFilter(form="ICC(3,1)").fit(cube)
    assert filt.n_features_in_ == 4 and not hasattr(filt, "feature_names_in_")
    assert filt.transform(cube[:, 0, :]).shape == (30, filt.get_support().sum())
    with pytest.raises(ConfigError):
        ReproducibilityFilter(criterion="upper").fit(long)
    with pytest.raises(ConfigError):
        ReproducibilityFilter(form="kappa").fit(long)
    assert clone(ReproducibilityFilter(threshold=0.9)).get_params()["threshold"] == 0.9
