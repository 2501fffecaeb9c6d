"""glmnet-compatible elastic-net regularisation paths for logistic and Cox models.

This module reproduces what R's ``glmnet`` 4.1 computes for ``family = "binomial"`` and
``family = "cox"``: the standardisation, the lambda sequence, the early end of the path and
the coefficients on the input scale. Cross-validation (``cv.glmnet``) is in
:mod:`radiome.select.lasso`.

Why hand-written: scikit-learn's ``LogisticRegression(penalty="l1")`` and scikit-survival's
``CoxnetSurvivalAnalysis`` solve the same penalised problems but neither gives glmnet's lambda
sequence and end-of-path rules together with ``cv.glmnet``'s fold refits, interpolation and
deviance bookkeeping, and sksurv's Cox solver stops at a convergence error of about 1e-4 on the
coefficients, so its answers cannot be compared with R's at 1e-4.

The solver is not glmnet's coordinate descent. Each penalised problem is solved to near
machine precision by a Newton method on the active set with the signs of the coefficients
held fixed (the objective is smooth within an orthant), a step cut where a coefficient would
cross zero (it leaves the active set), an Armijo line search, and the Karush-Kuhn-Tucker
conditions checked over all features after convergence (violators enter the active set). The
work per step is a few matrix products on the active columns, so it vectorises in NumPy. The
minimiser is the one glmnet approximates: glmnet stops its coordinate descent when no
coefficient moves by more than ``sqrt(thresh * null deviance / variance)``, so its answers
carry a convergence error of up to ~1e-2 on the input scale with the default
``thresh = 1e-7`` (docs/lasso.md gives the measured sizes); compare with R at a small
``thresh`` to see the difference that is the two programs' own.

References
----------
Friedman J, Hastie T, Tibshirani R (2010). Regularization paths for generalized linear models
via coordinate descent. J Stat Softw 33(1). doi:10.18637/jss.v033.i01
Simon N, Friedman J, Hastie T, Tibshirani R (2011). Regularization paths for Cox's
proportional hazards model via coordinate descent. J Stat Softw 39(5).
doi:10.18637/jss.v039.i05
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy.linalg import blas, lapack

from radiome.errors import ConfigError, ConvergenceError, DataError

__all__ = ["GlmnetPath", "binomial_path", "cox_path", "PROB_CLIP"]

# glmnet.control() defaults (glmnet 4.1): fdev, devmax, eps (smallest lambda.min.ratio),
# big (the "infinite" first lambda), mnlam (fewest lambdas before the path may stop), pmin.
FDEV = 1e-5
DEVMAX = 0.999
EPS = 1e-6
BIG = 9.9e35
MNLAM = 5
PMIN = 1e-9
PROB_CLIP = 1e-5  # cv.lognet clips predicted probabilities to [1e-5, 1 - 1e-5]
# coxnet (Fortran, single-precision literals) stops at devmax * 0.99 / 0.999 and fdev * 100
_COX_DEVMAX = float(np.float32(0.999)) * float(np.float32(0.99)) / float(np.float32(0.999))

#: Convergence tolerance of the Newton iterations: the largest coefficient update (on the
#: standardised scale) below which a solution is accepted. The iterations converge
#: quadratically, so the remaining error is far below this.
TOL = 1e-9
#: Relative tolerance of the KKT check: an inactive feature enters when its gradient exceeds
#: the penalty by more than ``KKT_TOL * lambda * alpha``.
KKT_TOL = 1e-9
MAX_NEWTON = 500
#: Renew the kept Hessian once the coefficients have moved this far (standardised scale)
#: since it was computed.
REFRESH = 1e-3
#: A step with a fresh Hessian this small ends the iterations (quadratic convergence: the
#: error left is of the order of its square).
NEWTON_TOL = 1e-6
#: Steps no longer than this (standardised scale) are taken whole, without a line search:
#: near the solution the quadratic model is accurate.
SAFE_STEP = 1e-4


@dataclass(frozen=True)
class GlmnetPath:
    """A fitted regularisation path, coefficients on the input scale.

    Attributes
    ----------
    lambdas : ndarray (L,)
        Decreasing lambdas, glmnet's sequence (its first entry as glmnet reports it).
    intercepts : ndarray (L,)
        Intercepts (zeros for the Cox model).
    coefs : ndarray (L, p)
        Coefficients on the scale of the input features.
    dev_ratio : ndarray (L,)
        Fraction of the null deviance explained (glmnet's ``dev.ratio``).
    null_deviance : float
        glmnet's ``nulldev``.
    n_iter : int
        Newton iterations used over the whole path.
    """

    lambdas: np.ndarray
    intercepts: np.ndarray
    coefs: np.ndarray
    dev_ratio: np.ndarray
    null_deviance: float
    n_iter: int


# ---------------------------------------------------------------------------------------
# Families: loss, gradient and Hessian with respect to the linear predictor
# ---------------------------------------------------------------------------------------


class _Binomial:
    """Weighted negative log-likelihood of the logistic model, weights summing to 1."""

    intercept = True

    def __init__(self, y: np.ndarray, w: np.ndarray) -> None:
        self.y = y
        self.w = w

    def null_eta(self) -> np.ndarray:
        q0 = float(self.w @ self.y)
        if q0 <= PMIN or q0 >= 1.0 - PMIN:
            raise DataError("the outcome has (almost) a single class in the data being fitted.")
        return np.full(self.y.shape[0], np.log(q0 / (1.0 - q0)))

    def loss(self, eta: np.ndarray) -> float:
        return float(self.w @ (np.logaddexp(0.0, eta) - self.y * eta))

    def derivatives(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = _expit(eta)
        return self.w * (p - self.y), self.w * p * (1.0 - p)

    def hessian(self, Z1: np.ndarray, Z2: np.ndarray, curv: np.ndarray) -> np.ndarray:
        """``Z1' W Z2`` with W the Hessian of the loss in the linear predictor."""
        if Z2 is Z1:
            return _gram(Z1 * np.sqrt(curv)[:, None])
        return Z1.T @ (Z2 * curv[:, None])

    def null_loss(self) -> float:
        return self.loss(self.null_eta())

    def saturated_loss(self) -> float:
        return 0.0  # y is 0/1

    def dev_ratio(self, eta: np.ndarray) -> float:
        # glmnet: (dev1 - devi) / dev0 with probabilities clipped at pmin for devi
        p = np.clip(_expit(eta), PMIN, 1.0 - PMIN)
        devi = -float(self.w @ (self.y * np.log(p) + (1.0 - self.y) * np.log(1.0 - p)))
        dev1 = self.null_loss()
        return (dev1 - devi) / (dev1 - self.saturated_loss())

    def too_little_variance(self, eta: np.ndarray) -> bool:
        p = _expit(eta)
        return float(self.w @ (p * (1.0 - p))) <= (1.0 + PMIN) * PMIN * (1.0 - PMIN)


class _Cox:
    """Negative Breslow log partial likelihood, weights summing to 1 (glmnet's coxnet)."""

    intercept = False

    def __init__(self, time: np.ndarray, event: np.ndarray, w: np.ndarray) -> None:
        self.w = w
        self.order = np.argsort(time, kind="stable")
        self.in_order = bool(np.all(self.order == np.arange(time.size)))
        ts = time[self.order]
        ev_times = np.unique(time[event > 0])
        if ev_times.size == 0:
            raise DataError("all observations are censored in the data being fitted.")
        self.wd = w * event
        # dk: summed weights of the events at each distinct event time (Breslow ties)
        self.dk = np.bincount(np.searchsorted(ev_times, time[event > 0]), weights=self.wd[event > 0],
                              minlength=ev_times.size)
        # risk set of event time k: the cases with time >= t_k (censored ties included)
        self.start = np.searchsorted(ts, ev_times, side="left")
        # number of event times <= each case's time (index into cumulative sums)
        self.n_before = np.searchsorted(ev_times, time, side="right")
        pos = self.dk > 0
        self.lsat = -float(self.dk[pos] @ np.log(self.dk[pos]))

    def null_eta(self) -> np.ndarray:
        return np.zeros(self.w.shape[0])

    def _risk_sums(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        """e = w exp(eta - max) and S_k, the sums of e over the risk sets (eta 1-D or 2-D)."""
        m = eta.max(axis=0)
        e = self.w.reshape((-1,) + (1,) * (eta.ndim - 1)) * np.exp(eta - m)
        es = e if self.in_order else e[self.order]
        return e, np.cumsum(es[::-1], axis=0)[::-1][self.start], m

    def loss(self, eta: np.ndarray) -> Any:
        """The loss; one per column for a 2-D ``eta``."""
        _, S, m = self._risk_sums(eta)
        out = -(self.wd @ eta) + self.dk @ (np.log(S) + m)
        return float(out) if eta.ndim == 1 else out

    def derivatives(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e, S, _ = self._risk_sums(eta)
        B = np.concatenate(([0.0], np.cumsum(self.dk / S)))[self.n_before]
        self._cache = (e, S)
        return e * B - self.wd, e * B

    def hessian(self, Z1: np.ndarray, Z2: np.ndarray, curv: np.ndarray) -> np.ndarray:
        """``Z1' W Z2`` with W = diag(e B) - sum_k d_k / S_k^2 a_k a_k' (a_k: risk set k)."""
        e, S = self._cache
        M1 = self._risk_block(Z1 * e[:, None])
        if Z2 is Z1:
            return _gram(Z1 * np.sqrt(curv)[:, None], M1 * (np.sqrt(self.dk) / S)[:, None])
        M2 = self._risk_block(Z2 * e[:, None])
        return Z1.T @ (Z2 * curv[:, None]) - M1.T @ (M2 * (self.dk / S**2)[:, None])

    def _risk_block(self, V: np.ndarray) -> np.ndarray:
        """Row k: the sum of the rows of V over the risk set of event time k."""
        Vs = V if self.in_order else V[self.order]
        return np.cumsum(Vs[::-1], axis=0)[::-1][self.start]

    def null_loss(self) -> float:
        return self.loss(self.null_eta())

    def dev_ratio(self, eta: np.ndarray) -> float:
        # glmnet: (risk - r0) / rr with rr = -(sum dk log dk + r0), risk = -loss
        r0 = -self.null_loss()
        rr = self.lsat - r0
        return (-self.loss(eta) - r0) / rr

    def too_little_variance(self, eta: np.ndarray) -> bool:
        return False


_expit = special.expit


def _gram(A: np.ndarray, B: np.ndarray | None = None) -> np.ndarray:
    """``A'A - B'B`` (symmetric rank-k updates: half the work of a general product)."""
    G = blas.dsyrk(1.0, A, trans=1, lower=1)
    if B is not None:
        G = blas.dsyrk(-1.0, B, beta=1.0, c=G, trans=1, lower=1, overwrite_c=1)
    return np.tril(G) + np.tril(G, -1).T


# ---------------------------------------------------------------------------------------
# The penalised solver (one lambda, warm started)
# ---------------------------------------------------------------------------------------


class _Solver:
    """Active-set Newton solver of ``loss(b0 + Xs beta) + lam * penalty(beta)``, warm started.

    Within the orthant given by the signs ``theta`` of the active coefficients the objective
    ``loss + l1 * theta . beta + l2 / 2 * |beta|^2`` is smooth. Each iteration takes the step
    ``d = -P^{-1} g`` with ``P`` the Hessian on the active set, cut where a coefficient would
    cross zero (it then leaves the active set), with an Armijo line search. ``P`` is kept, with
    its Cholesky factor, from one iteration (and one lambda) to the next and recomputed only
    when the steps stop shrinking fast; a feature entering or leaving borders or trims it. At
    convergence the KKT conditions are checked over all features and violators enter with the
    sign that lowers the objective.
    """

    def __init__(self, fam: Any, Xs: np.ndarray, usable: np.ndarray, alpha: float) -> None:
        self.fam = fam
        self.Xs = Xs
        self.usable = usable
        self.alpha = alpha
        self.ic = 1 if fam.intercept else 0
        self.beta = np.zeros(Xs.shape[1])
        self.eta = fam.null_eta()
        self.b0 = float(self.eta[0]) if self.ic else 0.0
        self.A = np.empty(0, dtype=np.intp)
        self.theta = np.empty(0)
        self.grad = Xs.T @ fam.derivatives(self.eta)[0]
        self.n_iter = 0
        self._zkey: bytes | None = None
        self._Z = np.empty((Xs.shape[0], 0))
        self._PA: np.ndarray | None = None  # features (in order) of the kept Hessian P
        self._P = np.empty((0, 0))
        self._cho = np.empty((0, 0))
        self._fresh = True
        self._moved = 0.0
        self._converged = False

    def solve(self, lam: float) -> None:
        l1, l2 = lam * self.alpha, lam * (1.0 - self.alpha)
        # one step on the current active set first (from the previous solution this is the
        # path's tangent): the gradient there tells reliably which features enter
        refused = self._newton(l1, l2, lam, max_iter=1)
        for _ in range(2 * self.Xs.shape[1] + 20):
            self.grad = self.Xs.T @ self.fam.derivatives(self.eta)[0]
            if self._enter(l1, refused) is None and self._converged:
                return
            refused = self._newton(l1, l2, lam)
        warnings.warn(
            f"the active set at lambda {lam:.4g} did not settle; its coefficients may be inaccurate.",
            RuntimeWarning,
            stacklevel=3,
        )

    def _enter(self, l1: float, refused: set[int]) -> np.ndarray | None:
        """Add the (at most 10) worst KKT violators; None when there are none."""
        viol = np.abs(self.grad) - l1 * (1.0 + KKT_TOL)
        viol[~self.usable] = -np.inf
        viol[self.A] = -np.inf
        cand = np.flatnonzero(viol > 0)
        if cand.size == 0:
            return None
        cand = cand[np.argsort(-viol[cand], kind="stable")][:10]
        if refused and set(cand.tolist()) <= refused:
            return None  # refused at this very point: numerically on the boundary
        self.A = np.concatenate([self.A, cand])
        self.theta = np.concatenate([self.theta, -np.sign(self.grad[cand])])
        return cand

    def _design(self) -> np.ndarray:
        key = self.A.tobytes()
        if key != self._zkey:
            Z = self.Xs[:, self.A]
            if self.ic:
                Z = np.column_stack([np.ones(Z.shape[0]), Z])
            self._Z, self._zkey = Z, key
        return self._Z

    def _set_hessian(self, P: np.ndarray) -> None:
        self._P = P
        self._PA = self.A.copy()
        scale = max(1.0, float(np.trace(P)) / max(P.shape[0], 1))
        for ridge in (0.0, 1e-12, 1e-10, 1e-8, 1e-6):
            Q = P if ridge == 0.0 else P + ridge * scale * np.eye(P.shape[0])
            c, info = lapack.dpotrf(Q, lower=1, clean=0)
            if info == 0:
                self._cho = c
                return
        self._cho = np.empty((0, 0))  # not positive definite: least squares (below)

    def _update_hessian(self, Z: np.ndarray, curv: np.ndarray, l2: float) -> None:
        """Trim the kept Hessian to the current active set and border it for new features.

        The active set only ever loses features (order kept) or gains them at its end, so the
        kept features of the old Hessian are the leading block of the new one.
        """
        ic, PA, A = self.ic, self._PA, self.A
        in_new = np.zeros(self.Xs.shape[1], dtype=bool)
        in_new[A] = True
        rm = ic + np.flatnonzero(~in_new[PA])
        P = self._P
        if rm.size:
            P = np.delete(np.delete(P, rm, axis=0), rm, axis=1)
        mk = P.shape[0]
        m = A.size + ic
        if mk == m:
            self._set_hessian(P)
            return
        Pn = np.empty((m, m))
        Pn[:mk, :mk] = P
        B = self.fam.hessian(Z, Z[:, mk:], curv)
        B[np.arange(mk, m), np.arange(m - mk)] += l2
        Pn[:, mk:] = B
        Pn[mk:, :] = B.T
        self._set_hessian(Pn)

    def _direction(self, g: np.ndarray) -> np.ndarray:
        if self._cho.size or g.size == 0:
            x, _ = lapack.dpotrs(self._cho, g, lower=1)
            return -x
        return -np.linalg.lstsq(self._P, g, rcond=1e-13)[0]

    def _newton(self, l1: float, l2: float, lam: float, max_iter: int = MAX_NEWTON) -> set[int]:
        """Converge on the current active set; returns the entering features it refused."""
        fam, ic = self.fam, self.ic
        refused: set[int] = set()
        prev = np.inf
        loss: float | None = None  # the loss at the current point, when known
        self._converged = False
        for it in range(max_iter):
            if self.A.size + ic == 0:
                self._converged = True
                return refused
            self.n_iter += 1
            grad_eta, curv = fam.derivatives(self.eta)
            fresh = self._fresh or self._PA is None or self._moved > REFRESH
            while True:  # direction; entering features that would leave their orthant stay out
                A, theta = self.A, self.theta
                bA = self.beta[A]
                Z = self._design()
                g = Z.T @ grad_eta
                g[ic:] += l1 * theta + l2 * bA
                if fresh:
                    P = fam.hessian(Z, Z, curv)
                    if l2 > 0.0:
                        P[np.arange(ic, P.shape[0]), np.arange(ic, P.shape[0])] += l2
                    self._set_hessian(P)
                    self._fresh, self._moved, prev = False, 0.0, np.inf
                elif not np.array_equal(self._PA, A):
                    self._update_hessian(Z, curv, l2)
                    prev = np.inf
                d = self._direction(g)
                dB = d[ic:]
                zero = bA == 0.0
                wrong = zero & (dB * theta <= 0.0)
                if not wrong.any():
                    break
                refused.update(A[wrong].tolist())
                self.A, self.theta = A[~wrong], theta[~wrong]
                fresh = False
            if A.size + ic == 0:
                self._converged = True
                return refused
            cross = ~zero & (dB * theta < 0.0)
            t_max, hit = 1.0, None
            if cross.any():
                idx = np.flatnonzero(cross)
                tc = -bA[idx] / dB[idx]
                if tc.min() < 1.0:
                    t_max = float(tc.min())
                    hit = idx[tc <= t_max * (1.0 + 1e-12)]
            deta = Z @ d
            dmax = float(np.max(np.abs(d)))
            t = t_max
            if t_max < 1.0 or dmax > SAFE_STEP:  # Armijo line search (a short full step is safe)
                if loss is None:
                    loss = fam.loss(self.eta)
                f0 = loss + l1 * (theta @ bA) + 0.5 * l2 * (bA @ bA)
                slope = float(g @ d)
                slack = 1e-13 * max(1.0, abs(f0))
                for _ls in range(60):
                    nb = bA + t * dB
                    new_loss = fam.loss(self.eta + t * deta)
                    if new_loss + l1 * (theta @ nb) + 0.5 * l2 * (nb @ nb) <= f0 + 1e-4 * t * slope + slack:
                        break
                    t *= 0.5
                    self._fresh = True  # a kept Hessian that overshoots is renewed
                else:
                    if not fresh:
                        continue
                    raise ConvergenceError(
                        f"the penalised fit made no progress in its line search (lambda {lam:.4g}); "
                        "the table may hold duplicate columns or perfectly separated classes."
                    )
            else:
                new_loss = None
            refused = set()
            nb = bA + t * dB
            self._moved += t * dmax
            if ic:
                self.b0 += t * d[0]
            if hit is not None and t == t_max:  # coefficients reaching zero leave the active set
                nb[hit] = 0.0
                self.beta[A] = nb
                keep = nb != 0.0
                self.A, self.theta = A[keep], theta[keep]
                self.eta = self._eta()
                loss = None
                continue
            self.beta[A] = nb
            self.eta = self.eta + t * deta
            loss = new_loss
            # contraction of successive steps: the error left is about dmax * rho / (1 - rho)
            rho = dmax / prev if 0.0 < prev < np.inf else np.inf
            # after a Newton step with a fresh Hessian the error left is about C * dmax^2
            if t == 1.0 and (
                dmax <= TOL
                or (fresh and dmax <= NEWTON_TOL)
                or (rho < 0.5 and dmax * rho / (1.0 - rho) <= TOL)
            ):
                self._converged = True
                return refused
            if t * dmax <= TOL * 1e-3:
                self._converged = True
                return refused
            if not fresh and rho > 0.2:
                self._fresh = True  # the kept Hessian no longer contracts fast: renew it
            prev = dmax
        if max_iter < MAX_NEWTON:
            return refused
        warnings.warn(
            f"the penalised fit at lambda {lam:.4g} did not converge in {MAX_NEWTON} Newton "
            "iterations; its coefficients may be inaccurate.",
            RuntimeWarning,
            stacklevel=3,
        )
        return refused

    def _eta(self) -> np.ndarray:
        A = np.flatnonzero(self.beta)
        eta = self.Xs[:, A] @ self.beta[A]
        return eta + self.b0 if self.ic else eta


# ---------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------


def _standardize(X: np.ndarray, w: np.ndarray, standardize: bool):
    # chkvars: a column whose values are all equal to its first is left out (ju = 0)
    usable = np.any(X != X[:1], axis=0)
    xm = w @ X
    Xc = X - xm
    if standardize:
        xs = np.sqrt(w @ (Xc * Xc))
        xs[~usable] = 1.0
    else:
        xs = np.ones(X.shape[1])
    Xs = Xc / xs
    Xs[:, ~usable] = 0.0
    usable &= ~_duplicates(Xs, usable)
    return Xs, xm, xs, usable


def _duplicates(Xs: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Columns equal, up to sign, to an earlier column on the fitting scale.

    Their lasso coefficients are not identified (any split with the earlier copy is a
    solution); they are left out, so the earlier copy takes the whole coefficient, which is
    what glmnet's cyclic coordinate descent gives up to rounding.
    """
    p = Xs.shape[1]
    dup = np.zeros(p, dtype=bool)
    cols = np.flatnonzero(usable)
    if cols.size < 2:
        return dup
    V = Xs[:, cols]
    first = np.argmax(np.abs(V) > 0, axis=0)
    V = V * np.sign(V[first, np.arange(cols.size)])
    h = V.T @ np.random.default_rng(0).standard_normal(V.shape[0])  # a random projection
    order = np.argsort(h, kind="stable")
    scale = np.abs(V).max()
    close = np.flatnonzero(np.abs(np.diff(h[order])) <= 1e-9 * (1.0 + np.abs(h[order][1:])))
    root = np.arange(cols.size)  # union-find over equal neighbours: all but the first copy go
    for i in close:
        a, b = int(order[i]), int(order[i + 1])
        if np.allclose(V[:, a], V[:, b], rtol=1e-9, atol=1e-12 * scale):
            ra, rb = root[a], root[b]
            root[root == max(ra, rb)] = min(ra, rb)
    dup[cols] = root != np.arange(cols.size)
    return dup


def _lambda_sequence_start(g: np.ndarray, usable: np.ndarray, alpha: float) -> float:
    gu = np.abs(g[usable])
    return float(gu.max() if gu.size else 0.0) / max(alpha, 1e-3)


def _run_path(fam, Xs, usable, alpha, n_lambda, exponent, lmr, stop_rule, floor=0.0) -> tuple:
    solver = _Solver(fam, Xs, usable, alpha)
    lam_max = _lambda_sequence_start(solver.grad, usable, alpha)
    alf = max(EPS, lmr) ** exponent
    mnl = min(MNLAM, n_lambda)
    lams, b0s, betas, devs = [], [], [], []
    al = BIG
    for m in range(n_lambda):
        if m == 0:
            al = BIG
        elif m == 1:
            al = lam_max * alf
        else:
            al = al * alf
        if m > 0:
            solver.solve(al)
        lams.append(al)
        b0s.append(solver.b0)
        betas.append(solver.beta.copy())
        devs.append(fam.dev_ratio(solver.eta))
        if m + 1 >= mnl and stop_rule(np.asarray(devs), m):
            break
        if fam.too_little_variance(solver.eta) or (m >= 2 and al < floor):
            break
    lams = np.asarray(lams)
    if lams.size > 2:  # glmnet's fix.lam: the first lambda is extrapolated from the next two
        lams[0] = np.exp(2.0 * np.log(lams[1]) - np.log(lams[2]))
    elif lams.size:
        lams[0] = lam_max
    return lams, np.asarray(b0s), np.vstack(betas), np.asarray(devs), solver.n_iter


def _check_args(X, alpha, n_lambda, lambda_min_ratio):
    n, p = X.shape
    if not 0.0 < alpha <= 1.0:
        raise ConfigError(f"alpha must be in (0, 1]; got {alpha}.")
    if n_lambda < 3:
        raise ConfigError(f"n_lambda must be at least 3; got {n_lambda}.")
    if lambda_min_ratio is None:
        lambda_min_ratio = 0.01 if n < p else 1e-4
    if not 0.0 < lambda_min_ratio < 1.0:
        raise ConfigError(f"lambda_min_ratio must be in (0, 1); got {lambda_min_ratio}.")
    return float(lambda_min_ratio)


def binomial_path(
    X: np.ndarray,
    y: np.ndarray,
    *,
    alpha: float = 1.0,
    n_lambda: int = 100,
    lambda_min_ratio: float | None = None,
    standardize: bool = True,
    weights: np.ndarray | None = None,
    lambda_floor: float = 0.0,
) -> GlmnetPath:
    r"""Elastic-net logistic regression path, as ``glmnet(x, y, family = "binomial")``.

    Solves, for each lambda of glmnet's sequence,

    .. math::

        \min_{\beta_0,\beta}\; -\sum_i w_i\,[y_i\eta_i - \log(1 + e^{\eta_i})]
        + \lambda\,[\alpha\lVert\beta\rVert_1 + \tfrac{1-\alpha}{2}\lVert\beta\rVert_2^2],
        \qquad \eta_i = \beta_0 + x_i^\top\beta,

    with weights :math:`w_i` summing to one and the columns of ``X`` centred and scaled to unit
    weighted variance (divisor ``n``) when ``standardize`` (coefficients are returned on the
    input scale). The sequence runs from :math:`\lambda_{max} = \max_j |x_j^\top w(y -
    \bar y)| / \alpha` down by the ratio ``lambda_min_ratio`` over ``n_lambda`` log-spaced
    values and stops early when the deviance ratio gains less than 1e-5 or exceeds 0.999.

    ``y`` must be 0/1 (1 = the modelled class). ``lambda_floor`` ends the path after the
    first lambda below it (cross-validation needs the folds' paths only down to the last
    whole-data lambda; glmnet computes them further, to no effect on its results).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    lmr = _check_args(X, alpha, n_lambda, lambda_min_ratio)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    sw = w.sum()
    w = w / sw
    Xs, xm, xs, usable = _standardize(X, w, standardize)
    fam = _Binomial(y, w)

    def stop(dev: np.ndarray, m: int) -> bool:
        return bool(dev[m] - (dev[m - 1] if m > 0 else 0.0) < FDEV or dev[m] > DEVMAX)

    lams, b0s, betas, devs, n_iter = _run_path(
        fam, Xs, usable, alpha, n_lambda, 1.0 / (n_lambda - 1.0), lmr, stop, lambda_floor
    )
    coefs = betas / xs
    intercepts = b0s - coefs @ xm
    null_dev = 2.0 * sw * (fam.null_loss() - fam.saturated_loss())
    return GlmnetPath(lams, intercepts, coefs, devs, float(null_dev), n_iter)


def cox_path(
    X: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    *,
    alpha: float = 1.0,
    n_lambda: int = 100,
    lambda_min_ratio: float | None = None,
    standardize: bool = True,
    weights: np.ndarray | None = None,
    lambda_floor: float = 0.0,
) -> GlmnetPath:
    r"""Elastic-net Cox path, as ``glmnet(x, Surv(time, event), family = "cox")``.

    Minimises the negative Breslow log partial likelihood with weights summing to one,

    .. math::

        -\sum_i w_i\delta_i\eta_i + \sum_k d_k \log\sum_{j:\,t_j \ge t_k} w_j e^{\eta_j}
        + \lambda\,[\alpha\lVert\beta\rVert_1 + \tfrac{1-\alpha}{2}\lVert\beta\rVert_2^2],

    where :math:`d_k` sums the weights of the events tied at the distinct event time
    :math:`t_k` (a case censored at :math:`t_k` is in its risk set). The path stops early
    (glmnet's Cox rule) when the deviance ratio gains less than a relative 1e-3 over the last
    four lambdas or exceeds 0.99.
    """
    time = np.asarray(time, dtype=float)
    order = np.argsort(time, kind="stable")  # rows in time order: cheaper risk-set sums
    X = np.asarray(X, dtype=float)[order]
    time, event = time[order], np.asarray(event, dtype=float)[order]
    lmr = _check_args(X, alpha, n_lambda, lambda_min_ratio)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)[order]
    sw = w.sum()
    w = w / sw
    Xs, xm, xs, usable = _standardize(X, w, standardize)
    fam = _Cox(time, event, w)
    mnl = min(MNLAM, n_lambda)

    def stop(dev: np.ndarray, m: int) -> bool:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (dev[m] - dev[m - mnl + 1]) / dev[m]
        return bool(rel < FDEV * 100.0 or dev[m] > _COX_DEVMAX)

    # glmnet's Fortran coxnet computes the ratio's exponent 1.0/(nlam-1) in single precision
    exponent = float(np.float32(1.0) / np.float32(n_lambda - 1))
    lams, _, betas, devs, n_iter = _run_path(fam, Xs, usable, alpha, n_lambda, exponent, lmr, stop, lambda_floor)
    coefs = betas / xs
    null_dev = 2.0 * sw * (fam.lsat + fam.null_loss())
    return GlmnetPath(lams, np.zeros(lams.size), coefs, devs, float(null_dev), n_iter)
