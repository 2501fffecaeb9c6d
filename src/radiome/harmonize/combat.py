"""ComBat harmonisation of multi-centre feature tables, fitted on training data only.

ComBat (Johnson, Li & Rabinovic 2007; Fortin et al. 2017/2018 for imaging) removes additive
and multiplicative centre (batch) effects from each feature, shrinking the per-centre
estimates towards their mean across features with an empirical-Bayes prior, and preserves the
effects of declared biological covariates.

Why hand-written rather than ``neuroCombat`` (0.2.12, last released May 2021, installed and
used in the tests as the reference): it prints to stdout on every call; it casts DataFrames
and continuous covariates to float32; ``neuroCombatFromTraining`` (its apply-to-new-data
function, marked "in development") ignores the new cases' covariates and uses the training
mean of the covariate effects instead, so with covariates it does not reproduce the training
output on the training cases themselves; its ``ref_batch`` path calls ``np.int``, removed from
NumPy 1.24; a feature constant in one batch gets a wrong pooled-variance fix
(``median(var_pooled != 0)``, the median of booleans). Its non-parametric prior is a Python
loop over features that underflows for batches of a few hundred cases. This module follows R's
``sva::ComBat`` (3.46) step by step, in float64, vectorised over features, and equals
``neuroCombat`` to 1e-8 and ``sva::ComBat`` to 1e-8 on the golden data of the tests.

The batch labels (and the covariates) travel as columns of ``X``, so the transformer fits in
a scikit-learn ``Pipeline`` and in cross-validation: ``ComBat(batch="centre",
covariates=["age", "sex"])`` harmonises every other column and drops the batch column (and,
unless ``keep_covariates=True``, the covariate columns) from its output.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from radiome.errors import ConfigError, ConvergenceError, DataError
from radiome.model._leakage import mark_transformed

__all__ = ["ComBat"]

_CONV = 1e-4  # sva::it.sol's relative convergence criterion
_MAX_ITER = 10_000
_CHUNK = 512  # rows of the feature x feature likelihood matrix held at once (non-parametric)


def _postmean(g_hat: np.ndarray, g_bar: float, n: Any, d_star: Any, t2: float) -> np.ndarray:
    return (t2 * n * g_hat + d_star * g_bar) / (t2 * n + d_star)


def _postvar(sum2: np.ndarray, n: float, a: float, b: float) -> np.ndarray:
    return (0.5 * sum2 + b) / (n / 2.0 + a - 1.0)


def _it_sol(sdat: np.ndarray, g_hat, d_hat, g_bar, t2, a, b) -> tuple[np.ndarray, np.ndarray]:
    """Parametric EB fixed point of ``sva:::it.sol`` (``sdat``: cases x features)."""
    n = sdat.shape[0]
    g_old, d_old = g_hat.copy(), d_hat.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_MAX_ITER):
            g_new = _postmean(g_hat, g_bar, n, d_old, t2)
            sum2 = ((sdat - g_new) ** 2).sum(axis=0)
            d_new = _postvar(sum2, n, a, b)
            change = max(np.max((np.abs(g_new - g_old) / g_old)), np.max(np.abs(d_new - d_old) / d_old))
            g_old, d_old = g_new, d_new
            if not change > _CONV:  # also stops on NaN, as neuroCombat does
                return g_new, d_new
    raise ConvergenceError(
        f"ComBat: the parametric empirical-Bayes estimates did not converge in {_MAX_ITER} "
        "iterations; try parametric=False."
    )


def _int_eprior(sdat: np.ndarray, g_hat: np.ndarray, d_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Non-parametric EB of ``sva:::int.eprior``, vectorised and in log space.

    For feature :math:`i`, the other features' :math:`(\hat\gamma_j, \hat\delta_j)` are
    weighted by the normal likelihood of feature :math:`i`'s standardised data,
    :math:`L_{ij} = (2\pi\hat\delta_j)^{-n/2} \exp(-\sum_s (x_{si}-\hat\gamma_j)^2 / 2\hat\delta_j)`.
    Working with :math:`\log L` (shifted by its row maximum) gives the same ratios without
    the underflow of the direct product for large batches.
    """
    n, p = sdat.shape
    s1 = sdat.sum(axis=0)
    s2 = (sdat**2).sum(axis=0)
    g_star = np.empty(p)
    d_star = np.empty(p)
    log_norm = -0.5 * n * np.log(2.0 * math.pi * d_hat)
    for start in range(0, p, _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, p))
        sum2 = s2[rows, None] - 2.0 * s1[rows, None] * g_hat[None, :] + n * g_hat[None, :] ** 2
        loglh = log_norm[None, :] - sum2 / (2.0 * d_hat[None, :])
        loglh[np.arange(rows.size), rows] = -np.inf  # leave feature i out
        loglh -= loglh.max(axis=1, keepdims=True)
        w = np.exp(loglh)
        tot = w.sum(axis=1)
        g_star[rows] = (w @ g_hat) / tot
        d_star[rows] = (w @ d_hat) / tot
    return g_star, d_star


def _sorted_levels(values: pd.Series) -> list:
    levels = list(pd.unique(values))
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)


class ComBat(TransformerMixin, BaseEstimator):
    r"""ComBat harmonisation (parametric or non-parametric empirical Bayes) as a transformer.

    For feature :math:`g`, case :math:`j` of batch :math:`i` with covariates :math:`x_{ij}`,

    .. math::

        y_{ijg} = \alpha_g + x_{ij}^\top\beta_g + \gamma_{ig} + \delta_{ig}\,\varepsilon_{ijg},
        \qquad
        y^\text{ComBat}_{ijg} = \frac{y_{ijg} - \hat\alpha_g - x_{ij}^\top\hat\beta_g
        - \gamma^*_{ig}}{\sqrt{\delta^*_{ig}}}\,\hat\sigma_g + \hat\alpha_g
        + x_{ij}^\top\hat\beta_g,

    where :math:`\hat\alpha_g` is the case-weighted mean of the batch intercepts,
    :math:`\hat\sigma_g^2` the pooled residual variance (divisor :math:`n`), and
    :math:`\gamma^*, \delta^*` the empirical-Bayes estimates of the location and scale batch
    effects: posterior means under normal / inverse-gamma priors whose hyper-parameters are
    estimated across features (``parametric=True``), or likelihood-weighted averages of the
    other features' estimates (``parametric=False``). ``eb=False`` uses the per-batch
    estimates :math:`\hat\gamma, \hat\delta` unshrunk; ``mean_only=True`` sets
    :math:`\delta^* = 1`. This is R's ``sva::ComBat`` (the tests match it and ``neuroCombat``
    to 1e-8).

    ``fit`` learns :math:`\hat\alpha, \hat\beta, \hat\sigma, \gamma^*, \delta^*` on the
    training cases; ``transform`` applies them to any table with the same columns, using each
    case's own batch and covariates (so ``transform`` of the training table equals
    ``fit_transform``).

    Parameters
    ----------
    batch : str or int, default "batch"
        Column of ``X`` holding the batch (centre, scanner) label. With a NumPy array, its
        position. The column is dropped from the output.
    covariates : sequence of str or int, default ()
        Columns of ``X`` whose effects are preserved (age, sex, outcome-free clinical
        variables). Numeric columns enter linearly, others (object, category, bool) as
        indicator columns of their levels (first level as reference).
    categorical : sequence, optional
        Numeric covariates to treat as categorical (e.g. integer-coded stage).
    parametric : bool, default True
        Parametric (normal / inverse-gamma) or non-parametric empirical-Bayes priors.
    mean_only : bool, default False
        Adjust only the location (additive) batch effect.
    eb : bool, default True
        Shrink the batch estimates with empirical Bayes; ``False``: location/scale
        adjustment with the raw per-batch estimates.
    ref_batch : optional
        A batch label to keep unchanged and align the others to (Zhang et al. 2018), as
        ``sva::ComBat(ref.batch=)``.
    keep_covariates : bool, default False
        Keep the covariate columns (unchanged) in the output.

    Attributes
    ----------
    batches_ : list
        Batch labels seen at fit (sorted).
    features_ : list
        Harmonised columns, in input order.
    grand_mean_, var_pooled_ : pandas.Series
        :math:`\hat\alpha_g` and :math:`\hat\sigma^2_g`.
    beta_ : pandas.DataFrame
        Covariate coefficients (design column x feature).
    gamma_hat_, delta_hat_, gamma_star_, delta_star_ : pandas.DataFrame
        Batch x feature location and scale estimates, before and after shrinkage.
    mean_only_ : bool
        Whether only the mean was adjusted (forced when a batch has one case, as sva does).
    unadjusted_features_ : list
        Features constant within a batch: left unchanged, as ``sva::ComBat`` does.

    References
    ----------
    Johnson WE, Li C, Rabinovic A. Adjusting batch effects in microarray expression data using
    empirical Bayes methods. Biostatistics 2007;8:118-27. Fortin JP et al. Harmonization of
    cortical thickness measurements across scanners and sites. NeuroImage 2018;167:104-20.
    Orlhac F et al. A guide to ComBat harmonization of imaging biomarkers in multicenter
    studies. J Nucl Med 2022;63:172-9.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"centre": np.repeat(["A", "B"], 20), "age": rng.integers(40, 80, 40),
    ...                   "f1": rng.normal(size=40), "f2": rng.normal(size=40)})
    >>> out = ComBat(batch="centre", covariates=["age"]).fit_transform(X)
    >>> list(out.columns)
    ['f1', 'f2']
    """

    def __init__(
        self,
        batch: Any = "batch",
        covariates: Any = (),
        categorical: Any = None,
        parametric: bool = True,
        mean_only: bool = False,
        eb: bool = True,
        ref_batch: Any = None,
        keep_covariates: bool = False,
    ) -> None:
        self.batch = batch
        self.covariates = covariates
        self.categorical = categorical
        self.parametric = parametric
        self.mean_only = mean_only
        self.eb = eb
        self.ref_batch = ref_batch
        self.keep_covariates = keep_covariates

    # -- input handling -----------------------------------------------------------------------

    def _frame(self, X: Any, where: str) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise DataError(f"{where}: X must be a 2-D table; got shape {arr.shape}.")
        if not isinstance(self.batch, Integral):
            raise ConfigError(
                f"{where}: X is an array, so batch must be the position of the batch column "
                f"(an int); got {self.batch!r}. Or pass a DataFrame."
            )
        return pd.DataFrame(arr)

    def _roles(self, df: pd.DataFrame, where: str) -> tuple[Any, list, list]:
        covs = list(self.covariates) if self.covariates is not None else []
        if isinstance(self.covariates, (str, bytes)):
            raise ConfigError(f"{where}: covariates must be a list of column names; got {self.covariates!r}.")
        for col, what in [(self.batch, "batch")] + [(c, "covariates") for c in covs]:
            if col not in df.columns:
                raise DataError(
                    f"{where}: X has no column {col!r} (named in {what}). Its columns start "
                    f"{list(df.columns[:6])}."
                )
        if self.batch in covs or len(set(covs)) != len(covs):
            raise ConfigError(f"{where}: covariates must be distinct and must not include the batch column.")
        cats = list(self.categorical) if self.categorical is not None else []
        unknown = [c for c in cats if c not in covs]
        if unknown:
            raise ConfigError(f"{where}: categorical names {unknown}, which are not in covariates {covs}.")
        feats = [c for c in df.columns if c != self.batch and c not in covs]
        if not feats:
            raise DataError(f"{where}: X has no feature column besides the batch and covariate columns.")
        bad = [
            c for c in feats if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])
        ]
        if bad:
            raise DataError(
                f"{where}: non-numeric column(s) {bad[:5]} would be harmonised; declare them as "
                "covariates or drop them."
            )
        return self.batch, covs, feats

    def _features(self, df: pd.DataFrame, feats: list, where: str) -> np.ndarray:
        Y = df[feats].to_numpy(dtype=float)
        bad = ~np.isfinite(Y).all(axis=0)
        if bad.any():
            cols = [feats[i] for i in np.flatnonzero(bad)][:5]
            raise DataError(
                f"{where}: missing or infinite values in feature column(s) {cols}; impute them "
                "(inside the pipeline, before ComBat) or drop those columns."
            )
        return Y

    def _covariate_design(self, df: pd.DataFrame, where: str, *, fit: bool) -> np.ndarray:
        n = df.shape[0]
        blocks: list[np.ndarray] = []
        names: list[str] = []
        if fit:
            self.covariate_levels_ = {}
        cats = set(self.categorical or ())
        for c in self._covs_:
            col = df[c]
            if col.isna().any():
                raise DataError(f"{where}: covariate {c!r} has missing values; impute or drop those cases.")
            numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            if numeric and c not in cats:
                vals = col.to_numpy(dtype=float)
                if not np.isfinite(vals).all():
                    raise DataError(f"{where}: covariate {c!r} has infinite values.")
                blocks.append(vals[:, None])
                names.append(str(c))
                continue
            if fit:
                levels = _sorted_levels(col)
                if len(levels) < 2:
                    raise DataError(f"{where}: covariate {c!r} has a single level; drop it.")
                self.covariate_levels_[c] = levels
            levels = self.covariate_levels_[c]
            unseen = sorted({str(v) for v in pd.unique(col)} - {str(v) for v in levels})
            if unseen:
                raise DataError(
                    f"{where}: covariate {c!r} has level(s) {unseen} not seen at fit ({levels}); "
                    "ComBat cannot preserve an effect it has not estimated."
                )
            as_str = col.astype(str).to_numpy()
            for lev in levels[1:]:
                blocks.append((as_str == str(lev)).astype(float)[:, None])
                names.append(f"{c}[{lev}]")
        if fit:
            self.design_columns_ = names
        return np.hstack(blocks) if blocks else np.zeros((n, 0))

    def _batch_index(self, df: pd.DataFrame, where: str) -> np.ndarray:
        b = df[self._batch_]
        if b.isna().any():
            raise DataError(f"{where}: the batch column {self._batch_!r} has missing values.")
        lookup = {str(v): i for i, v in enumerate(self.batches_)}
        labels = b.astype(str).to_numpy()
        unseen = sorted(set(labels) - set(lookup))
        if unseen:
            raise DataError(
                f"{where}: batch label(s) {unseen} in column {self._batch_!r} were not seen at fit "
                f"(known: {self.batches_}). ComBat estimates each batch's effect from its own "
                "cases, so it cannot harmonise a new batch: refit including cases of that "
                "batch, or harmonise it separately."
            )
        return np.array([lookup[v] for v in labels], dtype=int)

    # -- fit ----------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> ComBat:
        """Estimate the batch effects on the training table ``X`` (``y`` is ignored)."""
        where = "ComBat.fit"
        for name in ("parametric", "mean_only", "eb", "keep_covariates"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"{where}: {name} must be True or False; got {getattr(self, name)!r}.")
        df = self._frame(X, where)
        validate_data(self, df if isinstance(X, pd.DataFrame) else X, reset=True, skip_check_array=True)
        self._batch_, self._covs_, feats = self._roles(df, where)
        Y = self._features(df, feats, where)
        n, p = Y.shape
        if df[self._batch_].isna().any():
            raise DataError(f"{where}: the batch column {self._batch_!r} has missing values.")
        self.batches_ = _sorted_levels(df[self._batch_])
        nb = len(self.batches_)
        if nb < 2:
            raise DataError(f"{where}: ComBat needs at least two batches; column {self._batch_!r} has one.")
        bidx = self._batch_index(df, where)
        counts = np.bincount(bidx, minlength=nb)
        ref = None
        if self.ref_batch is not None:
            if str(self.ref_batch) not in {str(v) for v in self.batches_}:
                raise ConfigError(
                    f"{where}: ref_batch={self.ref_batch!r} is not a batch label ({self.batches_})."
                )
            ref = [str(v) for v in self.batches_].index(str(self.ref_batch))
        mean_only = bool(self.mean_only)
        if (counts == 1).any():
            warnings.warn(
                "ComBat: a batch has a single case, so its scale cannot be estimated; only the "
                "mean is adjusted (as sva::ComBat does).",
                UserWarning,
                stacklevel=2,
            )
            mean_only = True

        # sva: features constant within a batch are left unadjusted
        const = np.zeros(p, dtype=bool)
        for i in range(nb):
            if counts[i] > 1:
                const |= Y[bidx == i].var(axis=0) == 0
        if const.any():
            warnings.warn(
                f"ComBat: {int(const.sum())} feature(s) are constant within a batch and are left "
                "unadjusted (as sva::ComBat does); consider NearZeroVariance before ComBat.",
                UserWarning,
                stacklevel=2,
            )
        if const.all():
            raise DataError(f"{where}: every feature is constant within some batch; nothing to harmonise.")
        keep = ~const
        Yk = Y[:, keep]

        batch_design = np.zeros((n, nb))
        batch_design[np.arange(n), bidx] = 1.0
        if ref is not None:
            batch_design[:, ref] = 1.0
        cov = self._covariate_design(df, where, fit=True)
        design = np.hstack([batch_design, cov])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise DataError(
                f"{where}: the covariates are confounded with the batch (or with each other): the "
                "design matrix is singular. Remove the confounded covariate(s)."
            )
        B_hat = np.linalg.solve(design.T @ design, design.T @ Yk)
        if ref is not None:
            grand_mean = B_hat[ref]
            rows = bidx == ref
            var_pooled = ((Yk[rows] - design[rows] @ B_hat) ** 2).mean(axis=0)
        else:
            grand_mean = (counts / n) @ B_hat[:nb]
            var_pooled = ((Yk - design @ B_hat) ** 2).mean(axis=0)
        beta = B_hat[nb:]
        stand_mean = grand_mean + cov @ beta
        s_data = (Yk - stand_mean) / np.sqrt(var_pooled)

        gamma_hat = np.linalg.solve(batch_design.T @ batch_design, batch_design.T @ s_data)
        if mean_only:
            delta_hat = np.ones_like(gamma_hat)
        else:
            delta_hat = np.vstack([s_data[bidx == i].var(axis=0, ddof=1) for i in range(nb)])
        gamma_bar = gamma_hat.mean(axis=1)
        t2 = gamma_hat.var(axis=1, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            m, s2 = delta_hat.mean(axis=1), delta_hat.var(axis=1, ddof=1)
            a_prior = (2 * s2 + m**2) / s2
            b_prior = (m * s2 + m**3) / s2

        if not self.eb:
            gamma_star, delta_star = gamma_hat.copy(), delta_hat.copy()
        elif self.parametric:
            gamma_star, delta_star = np.empty_like(gamma_hat), np.empty_like(gamma_hat)
            for i in range(nb):
                if mean_only:
                    gamma_star[i] = _postmean(gamma_hat[i], gamma_bar[i], 1, 1, t2[i])
                    delta_star[i] = 1.0
                else:
                    gamma_star[i], delta_star[i] = _it_sol(
                        s_data[bidx == i], gamma_hat[i], delta_hat[i],
                        gamma_bar[i], t2[i], a_prior[i], b_prior[i],
                    )
        else:
            gamma_star, delta_star = np.empty_like(gamma_hat), np.empty_like(gamma_hat)
            for i in range(nb):
                gamma_star[i], delta_star[i] = _int_eprior(s_data[bidx == i], gamma_hat[i], delta_hat[i])
        if ref is not None:
            gamma_star[ref], delta_star[ref] = 0.0, 1.0

        fk = [f for f, k in zip(feats, keep) if k]
        bl = pd.Index(self.batches_, name="batch")
        self.features_ = feats
        self.unadjusted_features_ = [f for f, c in zip(feats, const) if c]
        self.mean_only_ = mean_only
        self.grand_mean_ = pd.Series(grand_mean, index=fk, name="grand_mean")
        self.var_pooled_ = pd.Series(var_pooled, index=fk, name="var_pooled")
        self.beta_ = pd.DataFrame(beta, index=self.design_columns_, columns=fk)
        self.gamma_hat_ = pd.DataFrame(gamma_hat, index=bl, columns=fk)
        self.delta_hat_ = pd.DataFrame(delta_hat, index=bl, columns=fk)
        self.gamma_star_ = pd.DataFrame(gamma_star, index=bl, columns=fk)
        self.delta_star_ = pd.DataFrame(delta_star, index=bl, columns=fk)
        self.gamma_bar_ = pd.Series(gamma_bar, index=bl)
        self.t2_ = pd.Series(t2, index=bl)
        self.a_prior_ = pd.Series(a_prior, index=bl)
        self.b_prior_ = pd.Series(b_prior, index=bl)
        self._keep = keep
        self._ref = ref
        return self

    # -- transform ----------------------------------------------------------------------------

    def transform(self, X: Any) -> Any:
        """Harmonise ``X`` (same columns as at fit; every batch label seen at fit)."""
        where = "ComBat.transform"
        check_is_fitted(self, "gamma_star_")
        df = self._frame(X, where)
        try:
            validate_data(self, df if isinstance(X, pd.DataFrame) else X, reset=False, skip_check_array=True)
        except ValueError as exc:
            raise DataError(f"{where}: X does not have the columns seen at fit: {exc}") from exc
        Y = self._features(df, self.features_, where)
        bidx = self._batch_index(df, where)
        cov = self._covariate_design(df, where, fit=False)
        keep = self._keep
        Yk = Y[:, keep]
        vp = np.sqrt(self.var_pooled_.to_numpy())
        stand_mean = self.grand_mean_.to_numpy() + cov @ self.beta_.to_numpy()
        s = (Yk - stand_mean) / vp
        g = self.gamma_star_.to_numpy()[bidx]
        d = self.delta_star_.to_numpy()[bidx]
        adj = (s - g) / np.sqrt(d) * vp + stand_mean
        if self._ref is not None:
            rows = bidx == self._ref
            adj[rows] = Yk[rows]
        out = Y.copy()
        out[:, keep] = adj
        frame = df.drop(columns=[self._batch_] + ([] if self.keep_covariates else self._covs_)).copy()
        frame[self.features_] = out
        if not isinstance(X, pd.DataFrame):
            return out if not self.keep_covariates else frame.to_numpy()
        frame.attrs = dict(df.attrs)
        return mark_transformed(frame, "ComBat")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output columns: every input column except the batch (and the covariates unless
        ``keep_covariates``), in input order."""
        check_is_fitted(self, "gamma_star_")
        drop = {self._batch_} | (set() if self.keep_covariates else set(self._covs_))
        names = getattr(self, "feature_names_in_", None)
        cols = list(names) if names is not None else list(range(self.n_features_in_))
        out = [c for c in cols if c not in drop]
        if names is None:
            return np.asarray([f"x{c}" for c in out], dtype=object)
        return np.asarray(out, dtype=object)
