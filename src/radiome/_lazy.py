"""Lazy attribute loading for package ``__init__`` modules: import a submodule on first use."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, namespace: dict[str, Any],
                 mapping: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package whose ``name`` lives in module ``mapping[name]``."""

    def __getattr__(name: str) -> Any:
        if name in mapping:
            value = getattr(importlib.import_module(mapping[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(mapping))

    return __getattr__, __dir__
