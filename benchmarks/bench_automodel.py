"""Auto-model benchmark: honest nested-CV AUC on the twelve radMLBench tables, next to baselines.

For each table of ``<shared>/data/radmlbench/*.csv.gz`` (``ID`` column, binary ``Target``, the
rest features), three procedures run under the same outer loop (repeated stratified 5-fold,
``--repeats`` repeats, seed 0; AUC of each repeat's pooled out-of-fold predictions, averaged
over repeats):

- ``A``: z-score + L1 logistic regression, C in 10^-2..10^2 (9 values) by inner stratified
  5-fold CV (:func:`radiome.model.validation.nested_cv`);
- ``B``: z-score + ANOVA top-k (k in 8/16/32 by inner stratified 5-fold CV) + 500-tree random
  forest (:func:`~radiome.model.validation.nested_cv`);
- ``auto``: :func:`radiome.model.auto.auto_model` (the whole search inside each outer training
  fold).

All preprocessing (imputation, scaling, selection) is inside the pipelines. Every estimator
uses one core. Results are cached per table and method in
``benchmarks/results/automodel_cache/<table>__<method>__<budget>__r<repeats>.csv`` (a rerun
skips what is there, so an interrupted run resumes, and several processes may share the work,
for example one per method; ``--force`` redoes it); the tables are
``benchmarks/results/automodel.csv`` and ``automodel.md``.

    python benchmarks/bench_automodel.py                       # all tables, A, B, auto
    python benchmarks/bench_automodel.py --datasets Li2020,HNSCC --repeats 2
    python benchmarks/bench_automodel.py --methods auto --budget small
    python benchmarks/bench_automodel.py --table-only          # rebuild the tables
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
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.feature_selection import SelectKBest, f_classif  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from radiome.model.auto import auto_model  # noqa: E402
from radiome.model.estimators import preprocessing  # noqa: E402
from radiome.model.validation import nested_cv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CACHE = RESULTS / "automodel_cache"
LEGACY = RESULTS / "automodel_runs.csv"  # single-file cache of earlier versions
SEED = 0
OUTER = 5
INNER = 5
METHODS = ("A", "B", "auto")


def shared_dir() -> Path:
    return Path(os.environ.get("RADIOME_SHARED", ROOT.parent / "shared")).resolve()


def load(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    df = pd.read_csv(path)
    y = df["Target"].astype(int).to_numpy()
    X = df.drop(columns=["ID", "Target"]).set_index(df["ID"].astype(str))
    X = X.apply(pd.to_numeric, errors="coerce").astype(float)
    return X, y


def baseline_a():
    pipe = Pipeline(preprocessing("standard") + [
        ("model", LogisticRegression(l1_ratio=1.0, solver="liblinear", max_iter=5000))])
    return pipe, {"model__C": [float(c) for c in np.logspace(-2, 2, 9)]}


def baseline_b():
    pipe = Pipeline(preprocessing("standard") + [
        ("select", SelectKBest(f_classif)),
        ("model", RandomForestClassifier(n_estimators=500, n_jobs=1, random_state=SEED))])
    return pipe, {"select__k": [8, 16, 32]}


def run_method(method: str, X: pd.DataFrame, y: np.ndarray, repeats: int, budget: str):
    if method in ("A", "B"):
        pipe, space = baseline_a() if method == "A" else baseline_b()
        res = nested_cv(pipe, space, X, y, outer=OUTER, inner=INNER, n_repeats=repeats,
                        random_state=SEED, n_boot=1000)
        choices = pd.Series([str(p) for p in res.fold_params]).value_counts().to_dict()
        return res, choices
    out = auto_model(X, y, budget=budget, outer=OUTER, n_repeats=repeats, random_state=SEED,
                     refit=False, n_boot=1000)
    freq = out.choice_frequencies()
    return out.validation, dict(zip(freq["candidate"], freq["folds"]))


_COLUMNS = ["dataset", "method", "repeats", "budget", "n", "p", "n_positive", "auc", "lower",
            "upper", "repeat_auc", "wall_s", "cpu_s", "choices"]


def key_of(method: str, budget: str) -> str:
    return budget if method == "auto" else "-"


def cache_file(name: str, method: str, repeats: int, budget: str) -> Path:
    """One small CSV per table x method x outer repeats (x budget): safe for parallel runs."""
    return CACHE / f"{name}__{method}__{key_of(method, budget)}__r{repeats}.csv"


def read_runs() -> pd.DataFrame:
    """Every cached result, plus rows of the older single-file cache not yet split."""
    frames = [pd.read_csv(f) for f in sorted(CACHE.glob("*.csv"))] if CACHE.exists() else []
    if LEGACY.exists():
        frames.append(pd.read_csv(LEGACY))
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    runs = pd.concat(frames, ignore_index=True)
    return runs.drop_duplicates(["dataset", "method", "repeats", "budget"], keep="first")


def run(datasets: list[str], methods: list[str], repeats: int, budget: str, force: bool) -> None:
    folder = shared_dir() / "data" / "radmlbench"
    if not folder.exists():
        sys.exit(f"radMLBench tables not found at {folder} (set RADIOME_SHARED)")
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in datasets:
        X = y = None
        for method in methods:
            target = cache_file(name, method, repeats, budget)
            runs = read_runs()
            done = runs[(runs.dataset == name) & (runs.method == method)
                        & (runs.repeats == repeats) & (runs.budget == key_of(method, budget))]
            if len(done) and not force:
                if not target.exists():  # split a row of the older single-file cache
                    done.iloc[[0]].to_csv(target, index=False)
                continue
            if X is None:
                X, y = load(folder / f"{name}.csv.gz")
            t0, c0 = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res, choices = run_method(method, X, y, repeats, budget)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            row = {"dataset": name, "method": method, "repeats": repeats,
                   "budget": key_of(method, budget), "n": len(y), "p": X.shape[1],
                   "n_positive": int(y.sum()), "auc": res.auc.value, "lower": res.auc.lower,
                   "upper": res.auc.upper,
                   "repeat_auc": ";".join(f"{a:.6f}" for a in res.repeat_auc),
                   "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "choices": str(choices)}
            pd.DataFrame([row], columns=_COLUMNS).to_csv(target, index=False)
            print(f"{name:18s} {method:5s} AUC {res.auc.format()}  {wall:7.1f} s", flush=True)


def table(datasets: list[str], repeats: int, budget: str) -> pd.DataFrame:
    runs = read_runs()
    runs = runs[(runs.repeats == repeats) & runs.dataset.isin(datasets)]
    runs = runs[(runs.method != "auto") | (runs.budget == budget)]
    if runs.empty:
        return pd.DataFrame()
    auc = runs.pivot_table(index="dataset", columns="method", values="auc", aggfunc="last")
    wall = runs.pivot_table(index="dataset", columns="method", values="wall_s", aggfunc="last")
    info = runs.groupby("dataset")[["n", "p", "n_positive"]].first()
    out = info.join(auc).join(wall.add_suffix("_s"))
    if {"A", "B", "auto"} <= set(out.columns):
        out["best_AB"] = out[["A", "B"]].max(axis=1)
        out["auto_minus_best_AB"] = out["auto"] - out["best_AB"]
        # spread of the paired per-repeat differences (same outer splits for all methods)
        per = runs.set_index(["dataset", "method"])["repeat_auc"]
        sds = {}
        for name, r in out.iterrows():
            if pd.isna(r["auto"]) or pd.isna(r["best_AB"]):
                continue
            best = "A" if r["A"] >= r["B"] else "B"
            a = np.array(str(per[(name, "auto")]).split(";"), dtype=float)
            b = np.array(str(per[(name, best)]).split(";"), dtype=float)
            sds[name] = float(np.std(a - b, ddof=1)) if len(a) > 1 else np.nan
        out["diff_sd"] = pd.Series(sds)
    return out.reset_index()


def write_tables(df: pd.DataFrame, repeats: int, budget: str) -> None:
    if df.empty:
        return
    df.to_csv(RESULTS / "automodel.csv", index=False, float_format="%.4f")
    cols = [c for c in ["dataset", "n", "p", "n_positive", "A", "B", "auto", "best_AB",
                        "auto_minus_best_AB", "diff_sd", "A_s", "B_s", "auto_s"]
            if c in df.columns]
    lines = [f"# Auto-model benchmark (radMLBench; outer repeated stratified 5-fold x "
             f"{repeats}, seed {SEED}; auto budget '{budget}')", "",
             "AUC of each repeat's pooled out-of-fold predictions, averaged over repeats. "
             "A: z-score + L1 LR (C by inner 5-fold CV). B: z-score + ANOVA top-k (8/16/32 by "
             "inner 5-fold CV) + 500-tree RF. auto: radiome.model.auto.auto_model. "
             "diff_sd: standard deviation over the outer repeats of the paired difference "
             "auto - (the better of A and B on that table). "
             "Times are wall seconds for the whole outer loop on one core.", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df[cols].iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if c in ("n", "p", "n_positive"):
                cells.append(str(int(v)))
            elif c.endswith("_s"):
                cells.append("" if pd.isna(v) else f"{v:.0f}")
            elif isinstance(v, float):
                cells.append("" if pd.isna(v) else f"{v:.3f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    num = df[cols].select_dtypes("number")
    mean = ["**mean**"] + [("" if c in ("n", "p", "n_positive", "diff_sd") else
                            (f"{num[c].sum():.0f}" if c.endswith("_s") else f"{num[c].mean():.3f}"))
                           for c in cols[1:]]
    lines.append("| " + " | ".join(mean) + " |")
    if "auto_minus_best_AB" in df.columns and df[["A", "B", "auto"]].notna().all().all():
        better = max(df["A"].mean(), df["B"].mean())
        margin = df["auto"].mean() - better
        worst = df["auto_minus_best_AB"].min()
        total = df[[c for c in ("A_s", "B_s", "auto_s") if c in df]].sum().sum()
        lines += ["", f"Mean auto - better of mean A and mean B: {margin:+.3f} (target >= +0.020). "
                  f"Worst table, auto - max(A, B): {worst:+.3f} (target >= -0.030). "
                  f"Total wall time: {total / 60:.1f} min."]
    (RESULTS / "automodel.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="", help="comma-separated table names (default all)")
    ap.add_argument("--repeats", type=int, default=5, help="outer repeats (default 5)")
    ap.add_argument("--methods", default=",".join(METHODS), help="subset of A,B,auto")
    ap.add_argument("--budget", default="medium", help="auto-model budget (default medium)")
    ap.add_argument("--force", action="store_true", help="recompute cached results")
    ap.add_argument("--table-only", action="store_true", help="only rebuild the tables")
    args = ap.parse_args(argv)
    folder = shared_dir() / "data" / "radmlbench"
    every = sorted(p.name[: -len(".csv.gz")] for p in folder.glob("*.csv.gz"))
    datasets = [d for d in args.datasets.split(",") if d] or every
    unknown = sorted(set(datasets) - set(every))
    if unknown:
        sys.exit(f"unknown datasets {unknown}; available: {every}")
    methods = [m for m in args.methods.split(",") if m]
    if set(methods) - set(METHODS):
        sys.exit(f"methods must be among {METHODS}")
    if not args.table_only:
        run(datasets, methods, args.repeats, args.budget, args.force)
    df = table(datasets, args.repeats, args.budget)
    write_tables(df, args.repeats, args.budget)
    if not df.empty:
        print(df.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
