"""A point estimate with its confidence interval: the common currency of every result object.

Every evaluation function in :mod:`radiome.evaluate` returns a frozen result object whose
numeric fields are :class:`Estimate` values (or plain floats where no interval exists), so a
report can print ``0.812 (95% CI 0.741-0.883)`` the same way for an AUC, a sensitivity or a
C-index, and can serialise any result with :meth:`Estimate.to_dict`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

__all__ = ["Estimate"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate, its confidence interval and how the interval was obtained.

    Attributes
    ----------
    value
        The point estimate.
    lower, upper
        Confidence limits (NaN when no interval was computed).
    level
        Confidence level, for example 0.95.
    method
        How the interval was computed: ``"delong"``, ``"bootstrap"``, ``"wilson"``,
        ``"wald"``, ``"profile"``... or ``"none"``.
    """

    value: float
    lower: float = math.nan
    upper: float = math.nan
    level: float = 0.95
    method: str = "none"

    def __post_init__(self) -> None:
        if not 0.0 < self.level < 1.0:
            raise ValueError(f"level must lie in (0, 1); got {self.level!r}")

    @property
    def has_interval(self) -> bool:
        """True when both confidence limits are finite numbers."""
        return math.isfinite(self.lower) and math.isfinite(self.upper)

    def format(self, digits: int = 3) -> str:
        """``'0.812 (95% CI 0.741-0.883)'``, or the value alone when there is no interval."""
        text = f"{self.value:.{digits}f}"
        if self.has_interval:
            pct = f"{100 * self.level:g}"
            text += f" ({pct}% CI {self.lower:.{digits}f}-{self.upper:.{digits}f})"
        return text

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, float | str]:
        """Plain dict (JSON-ready) of the five fields."""
        return asdict(self)
