"""Multi-centre harmonisation (ComBat) as a scikit-learn transformer. Loads on first use.
"""

from __future__ import annotations

from radiome._lazy import lazy_exports

_LAZY = {
    "ComBat": "radiome.harmonize.combat",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
