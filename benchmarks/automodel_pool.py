"""Development tool for the auto-model: every candidate's scores in every outer fold, once.

For each radMLBench table and each fold of the benchmark's outer loop (repeated stratified
5-fold, 5 repeats, seed 0, as ``bench_automodel.py``), this stores what an :class:`AutoModel`
computes before it chooses: the inner out-of-fold scores of every candidate of the pool
(:func:`radiome.model.auto.inner_oof`, 5 folds, seed 0) and the scores of every candidate
refitted on the whole outer training fold for the outer test cases. A rule for building the
final model from the candidates (which AutoModel.fit applies to the inner scores) can then be
scored on the outer loop in seconds: ``rule_auc``. The numbers equal a real run of the
auto-model with that rule (same splits, seeds and fits); the benchmark table itself always
comes from ``bench_automodel.py``.

Choosing a rule on the same twelve tables that score it is a (small) selection on the
benchmark: keep the rules few and simple.

    python benchmarks/automodel_pool.py dump [--datasets A,B] [--families l1,l2q,...]
    python benchmarks/automodel_pool.py rules [--datasets A,B]   # the rules of AutoModel
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.special import expit  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_automodel import RESULTS, load, shared_dir  # noqa: E402

from radiome.model.auto import (  # noqa: E402
    BUDGETS, FAMILIES, _SCORERS, _standardise, choose, fast_auc, inner_oof, member_scores)

POOL = RESULTS / "automodel_pool"
DEFAULT_FAMILIES = ("l1", "l2q", "et", "rf16", "svm", "lgbm", "l2s", "l1q", "lda", "ldaq",
                    "et3", "nb", "knn", "et32")


def dump(name: str, families: list[str], force: bool, suffix: str = "") -> None:
    target = POOL / f"{name}{suffix}.npz"
    if target.exists() and not force:
        return
    X, y = load(shared_dir() / "data" / "radmlbench" / f"{name}.csv.gz")
    X = X.to_numpy(dtype=float)
    cands = [c for f in families for c in FAMILIES[f]]
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=5, random_state=0)
    inner, outer, tests = [], [], []
    t0 = time.perf_counter()
    for tr, te in cv.split(np.zeros(len(y)), y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            S = inner_oof(cands, X[tr], y[tr], 5, 1, 0)[:, 0, :]
            T = np.array([member_scores(c.pipeline(0).fit(X[tr], y[tr]), X[te])
                          for c in cands])
        inner.append(S)
        outer.append(T)
        tests.append(te)
    folds = {f"{kind}_{i}": a for kind, arrays in (("inner", inner), ("outer", outer),
                                                    ("test", tests))
             for i, a in enumerate(arrays)}
    np.savez_compressed(target, y=y, names=np.array([c.name for c in cands]),
                        families=np.array([c.family for c in cands]), **folds)
    print(f"{name}: {len(cands)} candidates, {time.perf_counter() - t0:.0f} s", flush=True)


def load_pool(name: str) -> dict:
    """The stored scores of a table (and of its ``_x`` companion pool, if any)."""
    out: dict = {}
    for path in (POOL / f"{name}.npz", POOL / f"{name}_x.npz"):
        if not path.exists():
            continue
        z = np.load(path, allow_pickle=False)
        if not out:
            out = {"y": z["y"], "names": list(z["names"]), "families": list(z["families"]),
                   "inner": [z[f"inner_{i}"] for i in range(25)],
                   "outer": [z[f"outer_{i}"] for i in range(25)],
                   "tests": [z[f"test_{i}"] for i in range(25)]}
        else:
            out["names"] += list(z["names"])
            out["families"] += list(z["families"])
            out["inner"] = [np.vstack([a, z[f"inner_{i}"]]) for i, a in enumerate(out["inner"])]
            out["outer"] = [np.vstack([a, z[f"outer_{i}"]]) for i, a in enumerate(out["outer"])]
    return out


def rule_auc(pool: dict, families: tuple[str, ...], ensemble: str, mean_margin: float = 0.0
             ) -> float:
    """Outer-loop AUC (mean over repeats of the pooled AUC) of AutoModel's rule ``ensemble``
    applied to the stored scores of the candidates of ``families``: what a real run gives."""
    name_of = {c.name: c for f in families for c in FAMILIES[f]}
    idx = [i for i, (n, f) in enumerate(zip(pool["names"], pool["families"]))
           if f in families and n in name_of]
    cands = [name_of[pool["names"][i]] for i in idx]
    y = pool["y"]
    probs = np.zeros((5, len(y)))
    for k, (S, T, te) in enumerate(zip(pool["inner"], pool["outer"], pool["tests"])):
        tr = np.setdiff1d(np.arange(len(y)), te)
        S, T = S[idx][:, None, :], T[idx]
        c, h = _standardise(S)
        Zs, Zt = (S - c[:, None, None]) / h[:, None, None], (T - c[:, None]) / h[:, None]
        rows, options = choose(Zs, y[tr], cands, _SCORERS["roc_auc"], ensemble, 10,
                               mean_margin)
        best = max(options, key=lambda i: (rows[i].get("choice_score",
                                                       rows[i]["mean_test_score"]), -i))
        w = rows[best]["counts"]
        d, dt = w @ Zs[:, 0, :] / w.sum(), w @ Zt / w.sum()
        cal = LogisticRegression(C=1e6, max_iter=1000).fit(d.reshape(-1, 1), y[tr])
        probs[k // 5, te] = expit(cal.intercept_[0] + cal.coef_[0, 0] * dt)
    return float(np.mean([fast_auc(y, p) for p in probs]))


RULES = {  # label -> (families, ensemble, mean_margin)
    "best single (none)": (BUDGETS["medium"][0], "none", 0.0),
    "greedy": (BUDGETS["medium"][0], "greedy", 0.0),
    "select": (BUDGETS["medium"][0], "select", 0.0),
    "mean": (BUDGETS["medium"][0], "mean", 0.0),
    "mean, 6 families": (("l1", "l2q", "et", "rf16", "svm", "lgbm"), "mean", 0.0),
    "group, margin 0": (BUDGETS["medium"][0], "group", 0.0),
    "group, margin 0.01 (default)": (BUDGETS["medium"][0], "group", 0.01),
}


def rules(names: list[str]) -> pd.DataFrame:
    pools = {n: load_pool(n) for n in names if (POOL / f"{n}.npz").exists()}
    table = pd.DataFrame({label: {n: rule_auc(p, *spec) for n, p in pools.items()}
                          for label, spec in RULES.items()})
    table.loc["mean"] = table.mean()
    return table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["dump", "rules"])
    ap.add_argument("--datasets", default="")
    ap.add_argument("--families", default=",".join(DEFAULT_FAMILIES))
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--suffix", default="", help="file name suffix (a second pool)")
    a = ap.parse_args()
    folder = shared_dir() / "data" / "radmlbench"
    names = [d for d in a.datasets.split(",") if d] or sorted(
        p.name[: -len(".csv.gz")] for p in folder.glob("*.csv.gz"))
    if a.cmd == "rules":
        print(rules(names).to_string(float_format=lambda v: f"{v:.4f}"))
        return
    POOL.mkdir(parents=True, exist_ok=True)
    for n in names:
        dump(n, a.families.split(","), a.force, a.suffix)


if __name__ == "__main__":
    main()
