"""Study figures: clustered correlation heat-map, SHAP summary, PNG + SVG export."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from radiome.errors import ConfigError, DataError  # noqa: E402
from radiome.report.figures import (  # noqa: E402
    clustered_order, compute_shap, correlation_heatmap, diverging_cmap, save_figure, shap_summary,
)
from radiome.report.style import PALETTE  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def blocks(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Two blocks of correlated features, interleaved in column order."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    cols = {
        "a1": a + 0.1 * rng.normal(size=n), "b1": b + 0.1 * rng.normal(size=n),
        "a2": a + 0.2 * rng.normal(size=n), "b2": -b + 0.2 * rng.normal(size=n),
        "a3": a + 0.3 * rng.normal(size=n), "c": rng.normal(size=n),
    }
    return pd.DataFrame(cols)


def test_heatmap_clusters_correlated_features_together():
    frame = blocks()
    ax = correlation_heatmap(frame)
    corr = ax.radiome_corr
    order = list(corr.columns)
    assert sorted(order) == sorted(frame.columns)
    pos = {name: i for i, name in enumerate(order)}
    a_pos = sorted(pos[k] for k in ("a1", "a2", "a3"))
    b_pos = sorted(pos[k] for k in ("b1", "b2"))
    assert a_pos == list(range(a_pos[0], a_pos[0] + 3))  # contiguous block
    assert b_pos[1] - b_pos[0] == 1  # anti-correlated pair clusters too (|r|)
    expected = frame.corr(method="spearman").loc[order, order]
    np.testing.assert_allclose(corr.to_numpy(), expected.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(np.diag(corr), 1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == order
    assert len(ax.texts) == 36  # annotated r values for <= 12 features
    assert clustered_order(expected) == order


def test_heatmap_methods_labels_and_colours():
    frame = blocks()
    frame.columns = [f"CT_GTV_original_glcm_{c}_with_a_very_long_name" for c in frame.columns]
    ax = correlation_heatmap(frame, method="pearson", cluster=False, annotate=False, max_label_chars=20)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert all(len(lab) <= 20 and "\u2026" in lab for lab in labels)
    assert len(ax.texts) == 0
    np.testing.assert_allclose(ax.radiome_corr.to_numpy(), frame.corr().to_numpy(), atol=1e-12)
    cmap = diverging_cmap()
    assert to_hex(cmap(0.0)) == PALETTE[0].lower() and to_hex(cmap(1.0)) == PALETTE[1].lower()
    np.testing.assert_allclose(cmap(0.5)[:3], 1.0, atol=0.01)
    image = ax.get_images()[0]
    assert image.get_clim() == (-1.0, 1.0)
    assert ax.figure.axes[-1].get_ylabel() == "Pearson r"


def test_heatmap_constant_column_and_errors():
    frame = blocks()
    frame["const"] = 1.0
    ax = correlation_heatmap(frame, method="kendall")
    assert "const" in ax.radiome_corr.columns and ax.radiome_corr["const"].isna().any()
    with pytest.raises(ConfigError, match="method"):
        correlation_heatmap(blocks(), method="cosine")
    with pytest.raises(DataError, match="two numeric"):
        correlation_heatmap(pd.DataFrame({"x": [1.0, 2.0, 3.0], "s": list("abc")}))
    with pytest.raises(DataError, match="DataFrame"):
        correlation_heatmap(np.zeros((5, 3)))
    with pytest.raises(DataError, match="three rows"):
        correlation_heatmap(blocks().iloc[:2])


def test_save_figure_png_200_dpi_and_svg_text(tmp_path):
    ax = correlation_heatmap(blocks())
    png, svg = save_figure(ax, tmp_path / "sub" / "corr.png")
    assert png == tmp_path / "sub" / "corr.png" and svg == tmp_path / "sub" / "corr.svg"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    i = data.find(b"pHYs")
    ppm = int.from_bytes(data[i + 4:i + 8], "big")
    assert round(ppm * 0.0254) == 200
    text = svg.read_text(encoding="utf-8")
    assert "<text" in text and ">a1<" in text.replace("\n", "")  # labels are text, not glyph paths
    assert not re.search(r'<path id="DejaVuSans-', text)
    assert "<dc:date>" not in text
    _, svg2 = save_figure(correlation_heatmap(blocks()), tmp_path / "again" / "corr")
    assert svg2.read_text(encoding="utf-8") == text  # the same figure gives the same file
    fig = ax.figure
    save_figure(fig, tmp_path / "closed", close=True)
    assert not plt.fignum_exists(fig.number)
    with pytest.raises(DataError):
        save_figure("not a figure", tmp_path / "x")


def _binary(n: int = 160, p: int = 5, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"feat_{i}" for i in range(p)])
    logit = 2.5 * X["feat_0"] - 1.0 * X["feat_1"]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    return X, y


def test_shap_tree_model_is_exact_and_ranks_the_informative_feature():
    from sklearn.ensemble import RandomForestClassifier

    X, y = _binary()
    model = RandomForestClassifier(n_estimators=50, max_depth=4, random_state=0).fit(X, y)
    ax = shap_summary(model, X, max_display=3)
    result = ax.radiome_shap
    assert result.explainer == "tree" and result.output == "probability"
    np.testing.assert_allclose(result.values.sum(axis=1) + result.base_value, model.predict_proba(X)[:, 1],
                               atol=1e-6)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 3 and labels[-1] == "feat_0"  # most important on top
    assert result.importance()["feature"].iloc[0] == "feat_0"
    assert len(ax.collections) == 3
    assert result.to_dict()["importance"][0]["feature"] == "feat_0"


def test_shap_pipeline_with_lightgbm_and_linear_model():
    from radiome.model.estimators import pipeline

    X, y = _binary()
    lgbm = pipeline("lgbm", random_state=0).fit(X, y)
    res = compute_shap(lgbm, X)
    assert res.explainer == "tree" and res.output == "log-odds"
    assert res.feature_names == tuple(X.columns)
    raw = lgbm[-1].predict(lgbm[:-1].transform(X), raw_score=True)
    np.testing.assert_allclose(res.values.sum(axis=1) + res.base_value, raw, atol=1e-5)

    lr = pipeline("lr_l2", random_state=0).fit(X, y)
    res = compute_shap(lr, X, max_samples=50)
    assert res.explainer == "linear" and res.values.shape == (50, 5)
    assert res.importance()["feature"].iloc[0] == "feat_0"


def test_shap_model_agnostic_fallback_is_additive():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _binary(n=60, p=3)
    model = KNeighborsClassifier(n_neighbors=7).fit(X, y)
    res = compute_shap(model, X, max_samples=30, background_size=15, random_state=1)
    assert res.explainer == "kernel" and res.values.shape == (30, 3)
    rows = np.sort(np.random.default_rng(1).choice(60, size=30, replace=False))
    np.testing.assert_allclose(res.values.sum(axis=1) + res.base_value,
                               model.predict_proba(X.iloc[rows])[:, 1], atol=1e-8)
    again = compute_shap(model, X, max_samples=30, background_size=15, random_state=1)
    np.testing.assert_array_equal(res.values, again.values)


def test_shap_wide_table_groups_the_weak_features():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _binary(n=60, p=30)
    model = KNeighborsClassifier(n_neighbors=7).fit(X, y)
    res = compute_shap(model, X, max_features=6, max_samples=25, random_state=0)
    assert res.values.shape[1] == 6 and res.feature_names[-1] == "25 other features"
    assert "feat_0" in res.feature_names[:5]
    assert np.isnan(res.data[:, -1]).all()
    assert res.values.shape[0] == 25
    ax = res.plot(max_display=6)
    assert ax.get_yticklabels()[0].get_text() == "25 other features"  # drawn at the bottom
    # additivity with grouped players: each explained case's values add up to its prediction
    pred = np.round(model.predict_proba(X)[:, 1], 8)
    explained = np.round(res.values.sum(axis=1) + res.base_value, 8)
    assert np.isin(explained, pred).all()


def test_shap_input_errors():
    from sklearn.ensemble import RandomForestClassifier

    X, y = _binary(n=40)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X.to_numpy(), y)
    with pytest.raises(DataError, match="feature_names"):
        compute_shap(model, X.to_numpy(), feature_names=["a", "b"])
    with pytest.raises(ConfigError, match="max_display"):
        shap_summary(model, X.to_numpy(), max_display=0)
    res = compute_shap(model, X.to_numpy())
    assert res.feature_names[0] == "feature 0"
