"""Study figures that no result object draws: feature correlation heat-map and SHAP summary.

Also :func:`save_figure`, the one way a study writes a figure: PNG at 200 dpi plus an SVG whose
text stays text (``svg.fonttype: none``), so a journal can re-typeset labels.

* :func:`correlation_heatmap`: the rank (Spearman, default), Pearson or Kendall correlation
  matrix of the selected features, rows and columns in the leaf order of an average-linkage
  hierarchical clustering on the distance :math:`d_{ij} = 1 - |r_{ij}|` (optimal leaf
  ordering, :func:`scipy.cluster.hierarchy.optimal_leaf_ordering`), so that blocks of
  redundant features sit together. Diverging map from radiome's blue (:math:`r = -1`) through
  white to vermillion (:math:`r = +1`), the Okabe-Ito pair, readable under the common forms of
  colour-vision deficiency.
* :func:`shap_summary`: a beeswarm of SHAP values (Lundberg & Lee 2017), one row per feature
  ordered by mean :math:`|\\phi_j|`, dots coloured by the feature's value (low blue, high
  vermillion). SHAP values come from the ``shap`` package: ``TreeExplainer`` for tree
  ensembles (exact, fast), ``LinearExplainer`` for linear models, otherwise Kernel SHAP on a
  small background sample (model-agnostic). The swarm itself is drawn here with
  matplotlib rather than with ``shap.plots.beeswarm``, which draws on the current pyplot figure
  and resizes it; drawing on a given Axes keeps radiome's style and layout.

References
----------
Lundberg SM, Lee S-I (2017). A unified approach to interpreting model predictions. *NeurIPS*.

Lundberg SM, et al. (2020). From local explanations to global understanding with explainable
AI for trees. *Nature Machine Intelligence* 2:56-67.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from radiome.errors import ConfigError, DataError
from radiome.report.style import PALETTE, apply_style, get_axes

__all__ = [
    "correlation_heatmap",
    "clustered_order",
    "ShapResult",
    "compute_shap",
    "shap_summary",
    "save_figure",
    "diverging_cmap",
]

_METHODS = ("spearman", "pearson", "kendall")


def diverging_cmap() -> Any:
    """Colour-blind-safe diverging map: Okabe-Ito blue - white - vermillion."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("radiome_diverging", [PALETTE[0], "#FFFFFF", PALETTE[1]])


def _shorten(label: str, max_chars: int) -> str:
    """Middle-truncate a long label ('CT_GTV_orig…_glcm_Contrast'), keeping both ends."""
    if max_chars <= 0 or len(label) <= max_chars:
        return label
    head = (max_chars - 1) // 2
    tail = max_chars - 1 - head
    return f"{label[:head]}\u2026{label[-tail:]}"


def clustered_order(corr: pd.DataFrame) -> list[str]:
    """Columns of a correlation matrix in hierarchical-clustering leaf order.

    Average linkage on :math:`d = 1 - |r|` with optimal leaf ordering; NaN correlations (a
    constant column) count as :math:`r = 0`.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    names = list(corr.columns)
    if len(names) < 3:
        return names
    r = np.nan_to_num(corr.to_numpy(dtype=float), nan=0.0)
    dist = 1.0 - np.abs(r)
    np.fill_diagonal(dist, 0.0)
    dist = np.clip((dist + dist.T) / 2.0, 0.0, None)
    condensed = squareform(dist, checks=False)
    z = linkage(condensed, method="average")
    z = optimal_leaf_ordering(z, condensed)
    return [names[i] for i in leaves_list(z)]


def correlation_heatmap(
    frame: pd.DataFrame,
    ax: Any = None,
    method: str = "spearman",
    *,
    cluster: bool = True,
    annotate: bool | None = None,
    max_label_chars: int = 40,
) -> Any:
    """Heat-map of the correlations between features, in clustered order.

    .. math::

        r^{S}_{ij} = \\operatorname{corr}\\big(\\operatorname{rank}(x_i),
        \\operatorname{rank}(x_j)\\big), \\qquad d_{ij} = 1 - |r_{ij}|

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per case, one numeric column per feature (the selected features); at least
        two columns and three rows. Pairwise-complete observations (pandas ``DataFrame.corr``).
    ax : matplotlib Axes, optional
        Axes to draw on; by default a new figure sized to the number of features.
    method : {"spearman", "pearson", "kendall"}
        Correlation coefficient.
    cluster : bool
        Order rows/columns by hierarchical clustering (else keep the column order).
    annotate : bool, optional
        Print :math:`r` in each cell; by default when there are at most 12 features.
    max_label_chars : int
        Longer feature names are shortened in the middle with an ellipsis (0: never).

    Returns
    -------
    matplotlib Axes
        With the ordered matrix kept as ``ax.radiome_corr`` (a DataFrame) for tables/tests.

    Raises
    ------
    ConfigError
        Unknown ``method``.
    DataError
        ``frame`` is not a DataFrame with at least two numeric columns and three rows.
    """
    if method not in _METHODS:
        raise ConfigError(f"method must be one of {_METHODS}; got {method!r}.")
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"frame must be a pandas DataFrame of features; got {type(frame).__name__}.")
    numeric = frame.select_dtypes(include=[np.number, "bool"]).astype(float)
    if numeric.shape[1] < 2:
        raise DataError(
            f"frame needs at least two numeric feature columns for a correlation heat-map; "
            f"got {numeric.shape[1]} (columns: {list(frame.columns)[:5]})."
        )
    if numeric.shape[0] < 3:
        raise DataError(f"frame needs at least three rows (cases); got {numeric.shape[0]}.")
    numeric = numeric.replace([np.inf, -np.inf], np.nan)
    corr = numeric.corr(method=method)
    order = clustered_order(corr) if cluster else list(corr.columns)
    corr = corr.loc[order, order]
    n = len(order)

    labels = [_shorten(str(c), max_label_chars) for c in order]
    size = 9 if n <= 15 else (7 if n <= 30 else 5)
    if ax is None:
        grid = float(np.clip(0.42 * n, 2.5, 9.0))
        margin = 0.4 + 0.075 * size / 9.0 * max(len(lab) for lab in labels)
        ax = get_axes(figsize=(grid + margin + 1.3, grid + 0.7 * margin + 0.3))
    cmap = diverging_cmap().with_extremes(bad="#BBBBBB")
    masked = np.ma.masked_invalid(corr.to_numpy(dtype=float))
    image = ax.imshow(masked, cmap=cmap, vmin=-1.0, vmax=1.0, interpolation="nearest", aspect="equal")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=size)
    ax.set_yticklabels(labels, fontsize=size)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    if annotate is None:
        annotate = n <= 12
    if annotate:
        values = corr.to_numpy(dtype=float)
        for i in range(n):
            for j in range(n):
                v = values[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}".replace("-", "\u2212"), ha="center", va="center",
                            fontsize=max(size - 2, 5),
                            color="white" if abs(v) > 0.6 else "black")
    name = {"spearman": "Spearman \u03c1", "pearson": "Pearson r", "kendall": "Kendall \u03c4"}[method]
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label(name)
    bar.outline.set_visible(False)
    ax.radiome_corr = corr
    return ax


# --------------------------------------------------------------------------------- SHAP


@dataclass(frozen=True)
class ShapResult:
    """SHAP values of one model on one data set.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_samples, n_features)`` SHAP values :math:`\\phi_{ij}`.
    data : numpy.ndarray
        ``(n_samples, n_features)`` feature values the model saw (after any pipeline
        preprocessing for tree/linear explainers), used to colour the dots.
    feature_names : tuple of str
        Column names of ``values``.
    base_value : float
        Expected model output over the background, :math:`E[f(X)]`.
    explainer : str
        ``"tree"``, ``"linear"`` or ``"kernel"``.
    output : str
        What a SHAP value is in: ``"log-odds"`` or ``"probability"``.
    """

    values: np.ndarray
    data: np.ndarray
    feature_names: tuple[str, ...]
    base_value: float
    explainer: str
    output: str

    def importance(self) -> pd.DataFrame:
        """Mean :math:`|\\phi_j|` per feature, largest first (columns feature, mean_abs_shap)."""
        imp = np.abs(self.values).mean(axis=0)
        out = pd.DataFrame({"feature": list(self.feature_names), "mean_abs_shap": imp})
        return out.sort_values("mean_abs_shap", ascending=False, kind="mergesort").reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (importance per feature, explainer, output scale)."""
        return {
            "explainer": self.explainer,
            "output": self.output,
            "base_value": float(self.base_value),
            "n_samples": int(self.values.shape[0]),
            "importance": self.importance().to_dict(orient="records"),
        }

    def plot(self, ax: Any = None, max_display: int = 15) -> Any:
        """Beeswarm summary (see :func:`shap_summary`)."""
        return _beeswarm(self, ax=ax, max_display=max_display)


def _final_and_front(model: Any) -> tuple[Any, Any]:
    """(final estimator, fitted preprocessing front or None) of a Pipeline, else (model, None)."""
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline) and len(model.steps) > 1:
        return model.steps[-1][1], model[:-1]
    return model, None


def _is_tree(est: Any) -> bool:
    name = type(est).__name__
    tree_names = ("RandomForest", "ExtraTrees", "GradientBoosting", "HistGradientBoosting",
                  "DecisionTree", "LGBM", "XGB", "CatBoost")
    return any(name.startswith(t) for t in tree_names)


def _is_linear(est: Any) -> bool:
    from sklearn.linear_model import LogisticRegression

    return isinstance(est, LogisticRegression) and getattr(est, "coef_", None) is not None \
        and np.asarray(est.coef_).shape[0] == 1


def _names_after(front: Any, names: list[str], width: int) -> list[str]:
    if front is not None:
        try:
            out = [str(n) for n in front.get_feature_names_out(names)]
            if len(out) == width:
                return out
        except Exception:  # noqa: BLE001 - a step without feature-name support: fall back below
            pass
    if len(names) == width:
        return names
    return [f"feature {i}" for i in range(width)]


_KERNEL_MAX_ROWS = 100
_KERNEL_BUDGET_ROWS = 60_000  # model predictions Kernel SHAP may ask for (cases x coalitions x background)


def _kernel_groups(f: Any, rows: np.ndarray, background: np.ndarray, max_features: int) -> list[list[int]] | None:
    """Players for Kernel SHAP on a wide table: the ``max_features - 1`` features whose
    replacement by the background median moves the prediction most, each alone, and all the
    others as one group (None when the table is narrow enough to explain every feature).

    The screen costs :math:`p \times` (at most 20) predictions, made in chunks.
    """
    p = rows.shape[1]
    if p <= max_features:
        return None
    screen = rows
    base = f(screen)
    median = np.nanmedian(background, axis=0)
    per_chunk = max(1, int(2_000_000 // max(screen.size, 1)))
    effect = np.empty(p)
    for start in range(0, p, per_chunk):
        cols = range(start, min(start + per_chunk, p))
        stacked = np.repeat(screen[None, :, :], len(cols), axis=0)
        for k, j in enumerate(cols):
            stacked[k, :, j] = median[j]
        pred = f(stacked.reshape(-1, p)).reshape(len(cols), -1)
        effect[start:start + len(cols)] = np.abs(pred - base[None, :]).mean(axis=1)
    top = np.argsort(-effect, kind="mergesort")[: max_features - 1]
    rest = sorted(set(range(p)) - set(top.tolist()))
    return [[int(j)] for j in top] + [rest]


def compute_shap(
    model: Any,
    X: Any,
    feature_names: Sequence[str] | None = None,
    *,
    max_samples: int = 200,
    background_size: int = 10,
    max_features: int = 12,
    random_state: int | None = 0,
) -> ShapResult:
    """SHAP values of a fitted binary classifier (or scikit-learn Pipeline ending in one).

    Parameters
    ----------
    model : fitted estimator
        Tree ensembles (scikit-learn forests/boosting, LightGBM) use ``shap.TreeExplainer``
        on the model's raw output (log-odds for boosting; probability for forests); a binary
        ``LogisticRegression`` uses ``shap.LinearExplainer`` (log-odds); anything else with
        ``predict_proba`` uses ``shap.KernelExplainer`` on :math:`P(y=1)` with a background
        sample of ``background_size`` rows: all :math:`2^M - 2` coalitions of the :math:`M`
        players up to 6 players, :math:`8M + 20` sampled ones beyond, and as many cases (20 to
        100) as fit in 60,000 model predictions. Tables wider than ``max_features`` are
        explained with grouped players: the ``max_features - 1`` features that move the
        prediction most when set to the background median, each alone, and the rest as one
        "N other features" group (SHAP values still add up to :math:`f(x) - E[f(X)]`). For a
        Pipeline the tree/linear explainers run on the final step, on the data transformed by
        the steps before it.
        (shap's permutation explainer is avoided: its first call compiles numba code for
        ~20 s, longer than a whole demo study should spend on SHAP.)
    X : array-like or DataFrame, shape (n_samples, n_features)
        Cases to explain (the training set, usually).
    feature_names : sequence of str, optional
        Column names; by default the DataFrame's columns.
    max_samples : int
        At most this many rows of ``X`` are explained (a seeded random subset), to keep the
        model-agnostic explainer fast.
    background_size : int
        Rows of the background sample of the model-agnostic explainer (the linear explainer
        uses the explained cases).
    max_features : int
        Model-agnostic explainer only: the most players Kernel SHAP uses (see ``model``).
    random_state : int, optional
        Seed of the subsampling (cases explained, background) and of Kernel SHAP's coalitions.

    Returns
    -------
    ShapResult
    """
    import shap

    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns] if feature_names is None else [str(c) for c in feature_names]
        frame_columns = list(X.columns)
        data = X.to_numpy()
    else:
        data = np.asarray(X)
        frame_columns = None
        names = [f"feature {i}" for i in range(data.shape[1] if data.ndim == 2 else 0)] \
            if feature_names is None else [str(c) for c in feature_names]
    if data.ndim != 2 or data.shape[0] < 2:
        raise DataError(f"X must be a 2-D table with at least two rows; got shape {data.shape}.")
    if len(names) != data.shape[1]:
        raise DataError(f"feature_names has {len(names)} names but X has {data.shape[1]} columns.")
    if max_samples < 1 or background_size < 1:
        raise ConfigError("max_samples and background_size must be positive integers.")
    rng = np.random.default_rng(random_state)
    rows = np.arange(data.shape[0])
    if data.shape[0] > max_samples:
        rows = np.sort(rng.choice(data.shape[0], size=max_samples, replace=False))
    X_in = X.iloc[rows] if isinstance(X, pd.DataFrame) else data[rows]

    final, front = _final_and_front(model)
    if _is_tree(final) or _is_linear(final):
        Xt = front.transform(X_in) if front is not None else X_in
        Xt_arr = np.asarray(Xt, dtype=float)
        t_names = _names_after(front, names, Xt_arr.shape[1])
        if _is_tree(final):
            explainer = shap.TreeExplainer(final)
            kind = "tree"
        else:
            explainer = shap.LinearExplainer(final, Xt_arr)  # cheap: the explained cases are the background
            kind = "linear"
        expl = explainer(Xt_arr)
        values = np.asarray(expl.values, dtype=float)
        base = np.asarray(expl.base_values, dtype=float)
        if values.ndim == 3:  # (n, p, classes): keep the positive class
            values = values[:, :, -1]
            base = base[..., -1] if base.ndim > 1 else base
        probability_trees = ("RandomForest", "ExtraTrees", "DecisionTree")
        output = "probability" if kind == "tree" and type(final).__name__.startswith(probability_trees) \
            else "log-odds"
        return ShapResult(values, Xt_arr, tuple(t_names), float(np.mean(base)), kind, output)

    if not hasattr(model, "predict_proba"):
        raise DataError(f"{type(model).__name__} has no predict_proba; SHAP needs a fitted classifier.")

    def f(Z: np.ndarray) -> np.ndarray:
        Zin = pd.DataFrame(Z, columns=frame_columns) if frame_columns is not None else Z
        return np.asarray(model.predict_proba(Zin))[:, 1]

    bg_idx = np.arange(data.shape[0])
    if data.shape[0] > background_size:
        bg_idx = np.sort(rng.choice(data.shape[0], size=background_size, replace=False))
    background = data[bg_idx].astype(float)
    p = data.shape[1]
    groups = _kernel_groups(f, data[rows[:20]].astype(float), background, max_features)
    players = p if groups is None else len(groups)
    # exact enumeration of the 2^M - 2 coalitions when cheap, else 8 M + 20 sampled ones
    nsamples = 2**players - 2 if players <= 6 else 8 * players + 20
    n_explain = int(np.clip(_KERNEL_BUDGET_ROWS // (nsamples * background.shape[0]), 20, _KERNEL_MAX_ROWS))
    if rows.size > n_explain:
        rows = np.sort(rng.choice(rows, size=n_explain, replace=False))
    data_rows = data[rows].astype(float)
    if groups is None:
        explainer = shap.KernelExplainer(f, background)
    else:
        from shap.utils._legacy import DenseData

        group_names = [names[g[0]] for g in groups[:-1]] + [f"{len(groups[-1])} other features"]
        explainer = shap.KernelExplainer(f, DenseData(background, group_names, [np.asarray(g) for g in groups]))
    # Kernel SHAP samples coalitions with numpy's global generator: seed it, then restore it.
    saved = np.random.get_state()
    np.random.seed(int(rng.integers(2**31 - 1)))
    try:
        values = np.asarray(explainer.shap_values(data_rows, nsamples=nsamples, l1_reg=False, silent=True),
                            dtype=float)
    finally:
        np.random.set_state(saved)
    if values.ndim == 3:
        values = values[..., -1]
    base = float(np.mean(np.asarray(explainer.expected_value, dtype=float)))
    if groups is not None:
        shown = np.column_stack([data_rows[:, g[0]] for g in groups[:-1]] + [np.full(len(rows), np.nan)])
        return ShapResult(values, shown, tuple(group_names), base, "kernel", "probability")
    return ShapResult(values, data_rows, tuple(names), base, "kernel", "probability")


def _swarm_offsets(x: np.ndarray, n_bins: int = 80, width: float = 0.38) -> np.ndarray:
    """Vertical offsets that stack points falling in the same x bin (shap's beeswarm layout)."""
    n = x.size
    if n == 0:
        return np.zeros(0)
    span = float(np.ptp(x)) or 1.0
    bins = np.floor((x - x.min()) / span * (n_bins - 1)).astype(int)
    order = np.argsort(bins, kind="mergesort")
    counts = pd.Series(bins[order]).groupby(bins[order]).cumcount().to_numpy()
    # 0, +1, -1, +2, -2, ... within each bin
    layer = np.where(counts % 2 == 1, (counts + 1) // 2, -(counts // 2)).astype(float)
    offsets = np.empty(n)
    offsets[order] = layer
    peak = max(np.abs(layer).max(), 1.0)
    return offsets * min(width / peak, 0.08)


def _beeswarm(result: ShapResult, ax: Any = None, max_display: int = 15) -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    if max_display < 1:
        raise ConfigError(f"max_display must be >= 1; got {max_display}.")
    imp = np.abs(result.values).mean(axis=0)
    order = np.argsort(-imp, kind="mergesort")[:max_display]
    grouped = [j for j in order if result.feature_names[j].endswith(" other features")]
    order = np.array([j for j in order if j not in grouped] + grouped, dtype=int)  # a group goes last, as in shap
    k = len(order)
    if ax is None:
        ax = get_axes(figsize=(6.0, float(np.clip(1.0 + 0.36 * k, 2.6, 8.0))))
    cmap = LinearSegmentedColormap.from_list("radiome_lowhigh", [PALETTE[0], "#B8B8B8", PALETTE[1]])
    for row, j in enumerate(order):
        y = k - 1 - row
        phi = result.values[:, j]
        val = result.data[:, j].astype(float)
        finite = np.isfinite(val)
        colour = np.full(val.shape, 0.5)
        if finite.sum() > 1:
            lo, hi = np.nanpercentile(val[finite], [5, 95])
            if hi <= lo:
                lo, hi = np.nanmin(val[finite]), np.nanmax(val[finite])
            if hi > lo:
                colour[finite] = np.clip((val[finite] - lo) / (hi - lo), 0.0, 1.0)
        ax.scatter(phi, y + _swarm_offsets(phi), c=colour, cmap=cmap, vmin=0.0, vmax=1.0,
                   s=12, alpha=0.85, linewidths=0, rasterized=False, zorder=3)
    ax.axvline(0.0, color="0.55", lw=0.8, zorder=1)
    ax.set_yticks(range(k))
    ax.set_yticklabels([_shorten(result.feature_names[j], 40) for j in order[::-1]])
    ax.set_ylim(-0.7, k - 0.3)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(f"SHAP value (impact on the model output, {result.output})")
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    mappable = ScalarMappable(norm=Normalize(0, 1), cmap=cmap)
    bar = ax.figure.colorbar(mappable, ax=ax, fraction=0.04, pad=0.02, aspect=30)
    bar.set_ticks([0, 1])
    bar.set_ticklabels(["Low", "High"])
    bar.set_label("Feature value")
    bar.outline.set_visible(False)
    ax.radiome_shap = result
    return ax


def shap_summary(
    model: Any,
    X: Any,
    feature_names: Sequence[str] | None = None,
    ax: Any = None,
    max_display: int = 15,
    random_state: int | None = 0,
) -> Any:
    """SHAP beeswarm summary of a fitted classifier: which features push predictions, and how.

    Each row is a feature (largest mean :math:`|\\phi_j|` on top), each dot a case at its
    SHAP value :math:`\\phi_{ij}`, coloured by the feature's value (5th-95th percentile scale,
    blue low to vermillion high). By the efficiency property,
    :math:`f(x_i) = E[f(X)] + \\sum_j \\phi_{ij}`.

    Parameters
    ----------
    model, X, feature_names, random_state
        As in :func:`compute_shap` (tree/linear: at most 200 cases; Kernel SHAP: 20 to 100
        cases, 10 background rows, 12 players).
    ax : matplotlib Axes, optional
        Axes to draw on; a new styled figure sized to the number of rows when omitted.
    max_display : int
        Number of features shown.

    Returns
    -------
    matplotlib Axes
        With the :class:`ShapResult` kept as ``ax.radiome_shap``.
    """
    result = compute_shap(model, X, feature_names, random_state=random_state)
    return _beeswarm(result, ax=ax, max_display=max_display)


# ----------------------------------------------------------------------------- saving


def save_figure(fig: Any, stem: str | Path, *, dpi: int = 200, close: bool = False) -> tuple[Path, Path]:
    """Write ``<stem>.png`` (``dpi``, default 200) and ``<stem>.svg`` (text kept as text).

    Parameters
    ----------
    fig : matplotlib Figure or Axes
        What to save (an Axes saves its figure).
    stem : str or Path
        Path without suffix, e.g. ``OUT/figures/roc`` (a suffix, if given, is replaced);
        parent folders are created.
    dpi : int
        PNG resolution.
    close : bool
        Close the figure afterwards (frees memory in long study runs).

    Returns
    -------
    (Path, Path)
        The PNG and SVG paths.

    Notes
    -----
    The SVG is written with ``svg.fonttype: none`` (text as ``<text>`` elements, fonts
    resolved by the viewer), a fixed ``svg.hashsalt`` and no date in its metadata, so the
    same figure gives the same file on every run.
    """
    import matplotlib

    figure = getattr(fig, "figure", fig)
    if not hasattr(figure, "savefig"):
        raise DataError(f"save_figure needs a matplotlib Figure or Axes; got {type(fig).__name__}.")
    stem = Path(stem)
    if stem.suffix.lower() in {".png", ".svg", ".pdf"}:
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    apply_style()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "radiome"}):
        figure.savefig(png, dpi=dpi, format="png", bbox_inches="tight", facecolor="white",
                       metadata={"Software": "radiome (matplotlib)"})
        figure.savefig(svg, format="svg", bbox_inches="tight", facecolor="white",
                       metadata={"Date": None, "Creator": "radiome (matplotlib)"})
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return png, svg
