"""radiome: radiomics from medical images to validated models.

The public API::

    import radiome
    image, mask = radiome.load_case("ct.nii.gz", "gtv.nii.gz")
    result = radiome.extract(image, mask, "ibsi1-config-c")
    result.values          # {column: value}
    result.to_frame()      # one-row pandas DataFrame

Heavy submodules load lazily, so ``import radiome`` is fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Image",
    "Mask",
    "ExtractionSettings",
    "FeatureResult",
    "extract",
    "extract_files",
    "load_case",
    "read_image",
    "read_mask",
    "write_image",
    "write_mask",
    "convert",
    "preset",
    "load_settings",
    "errors",
]

_LAZY = {
    "Image": ("radiome.io.image", "Image"),
    "Mask": ("radiome.io.image", "Mask"),
    "ExtractionSettings": ("radiome.config.settings", "ExtractionSettings"),
    "FeatureResult": ("radiome.extraction", "FeatureResult"),
    "extract": ("radiome.extraction", "extract"),
    "extract_files": ("radiome.extraction", "extract_files"),
    "load_case": ("radiome.io.case", "load_case"),
    "read_image": ("radiome.io.readers", "read_image"),
    "read_mask": ("radiome.io.readers", "read_mask"),
    "write_image": ("radiome.io.writers", "write_image"),
    "write_mask": ("radiome.io.writers", "write_mask"),
    "convert": ("radiome.io.convert", "convert"),
    "preset": ("radiome.config.presets", "preset"),
    "load_settings": ("radiome.config.files", "load_settings"),
    "errors": ("radiome.errors", None),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radiome' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
