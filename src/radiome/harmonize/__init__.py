"""Multi-centre harmonisation (ComBat) as a scikit-learn transformer. Loads on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ComBat": "radiome.harmonize.combat",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
