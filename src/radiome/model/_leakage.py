"""Leakage guard: data-dependent steps must be fitted inside the training folds only.

radiome's data-dependent transformers (scaling, ComBat, every selector) tag the pandas
DataFrames they return with the name of the fitted step (``DataFrame.attrs``). The validation
designs in :mod:`radiome.model.validation` refuse such a table, and refuse an estimator that is
already fitted, with a :class:`~radiome.errors.LeakageError` that says to put the step inside
the pipeline instead. A table that was reduced outside radiome cannot be detected; the
documentation says so.
"""

from __future__ import annotations

from typing import Any

from radiome.errors import LeakageError

__all__ = ["ATTR", "mark_transformed", "check_not_transformed"]

#: Key in ``DataFrame.attrs`` listing the fitted data-dependent steps that produced the table.
ATTR = "radiome_fitted_steps"


def mark_transformed(X_out: Any, step: str) -> Any:
    """Record on a DataFrame output that a fitted data-dependent ``step`` produced it.

    Non-DataFrame outputs are returned unchanged (NumPy arrays carry no metadata).
    """
    attrs = getattr(X_out, "attrs", None)
    if isinstance(attrs, dict):
        X_out.attrs[ATTR] = tuple(attrs.get(ATTR, ())) + (step,)
    return X_out


def check_not_transformed(X: Any, where: str) -> None:
    """Raise :class:`LeakageError` if ``X`` was produced by a fitted data-dependent step."""
    attrs = getattr(X, "attrs", None)
    steps = attrs.get(ATTR) if isinstance(attrs, dict) else None
    if steps:
        raise LeakageError(
            f"{where}: the feature table was already transformed by {', '.join(steps)} fitted "
            "on data that includes the evaluation cases, so the estimate would be optimistic. "
            "Pass the raw feature table and put these steps inside the pipeline; the "
            "validation design fits them within each training fold."
        )
