"""Settings of the image filters that make response maps (IBSI 2), one frozen model per kind.

An extraction computes features of the original image and of any number of filtered variants
(``ExtractionSettings.filters``). Each entry is one of the models below, told apart by its
``kind`` (a pydantic discriminated union, so unknown keys are rejected per kind):

==============  =========================================  =======================================
kind            parameters (IBSI 2 name)                   column prefix (:attr:`name`)
==============  =========================================  =======================================
``mean``        ``support`` M (voxels)                     ``mean_5``
``log``         ``sigma_mm`` sigma, ``truncate``           ``log_sigma_1p5mm``
``laws``        ``kernels`` (``"E5L5S5"``), energy         ``laws_l5e5e5_energy7_rotinv_max``
                distance delta, rotation invariance,
                pooling
``gabor``       ``sigma_mm``, ``lambda_mm``, ``gamma``,    ``gabor_s5_l2_g1p5_rotinv_mean_step22p5``
                ``theta_deg`` / ``theta_step_deg``,
                rotation invariance, pooling, response
``wavelet``     ``wavelet`` (PyWavelets name),             ``wavelet_db3_llh_level1_rotinv_mean``
                ``response`` (``"LLH"``), ``level``,
                rotation invariance, pooling
``simoncelli``  ``level``                                  ``simoncelli_level1``
==============  =========================================  =======================================

Every kind also has ``boundary`` (IBSI 2 padding: ``mirror``, the default except for the
Fourier-domain Simoncelli wavelet whose default is ``periodic``, ``constant``, ``nearest`` or
``periodic``) and, except Laws and wavelets whose kernel string fixes it,
``dimensions`` (``'3D'``, the default, or ``'2D'``: slice by slice). Gabor filters are planar:
``'2D'`` filters each axial slice, ``'3D'`` pools the in-plane filters of the three orthogonal
planes (IBSI 2 "orthogonal planes").

Column prefixes (:attr:`name`) are built from the parameters that define the filter, numbers
written with ``p`` for the decimal point and ``m`` for a minus sign (``1.5`` -> ``1p5``), and
suffixes for the options that differ from their defaults: ``_2d`` for slice-by-slice filters,
``_<boundary>`` for a boundary other than the kind's default, ``_trunc<t>`` for a LoG or Gabor
truncation other than 4, ``_<response>`` for a Gabor response other than the modulus,
``_riesz<lx><ly><lz>`` for a Riesz-transformed LoG or Simoncelli wavelet (optional filters
that IBSI 2 phase 1 tests). Two filters with the same
prefix are refused; ``column_prefix`` overrides the generated prefix.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Boundary",
    "MeanFilterSettings",
    "LoGFilterSettings",
    "LawsFilterSettings",
    "GaborFilterSettings",
    "WaveletFilterSettings",
    "SimoncelliFilterSettings",
    "FilterSettings",
    "FILTER_KINDS",
    "LAWS_KERNELS",
    "filter_model",
    "format_number",
]

Boundary = Literal["constant", "nearest", "periodic", "mirror"]
Pooling = Literal["max", "min", "mean", "sum"]

#: The 1D Laws kernels IBSI 2 defines.
LAWS_KERNELS: tuple[str, ...] = ("L3", "E3", "S3", "L5", "E5", "S5", "W5", "R5")

_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def format_number(x: float) -> str:
    """A number as it appears in a column prefix: ``3.0`` -> ``3``, ``1.5`` -> ``1p5``, ``-2`` -> ``m2``.

    Examples
    --------
    >>> format_number(1.5), format_number(3.0), format_number(-0.25)
    ('1p5', '3', 'm0p25')
    """
    text = f"{float(x):g}"
    return text.replace("-", "m").replace(".", "p").replace("+", "")


class _Filter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    boundary: Boundary = "mirror"
    """IBSI 2 boundary condition (padding): ``mirror`` (symmetric, edge voxel repeated),
    ``constant`` (zeros), ``nearest`` (edge voxel) or ``periodic`` (wrap around)."""
    column_prefix: str | None = None
    """Prefix of this variant's output columns; default: the generated :attr:`name`."""

    @field_validator("column_prefix")
    @classmethod
    def _prefix(cls, v: str | None) -> str | None:
        if v is not None and (not _PREFIX.fullmatch(v) or v == "original"):
            raise ValueError(
                f"column_prefix must be letters, digits, '_', '-' or '.', starting with a letter or "
                f"digit, and not 'original'; got {v!r}"
            )
        return v

    def _base_name(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def _suffixes(self) -> str:
        out = ""
        if getattr(self, "dimensions", "3D") == "2D" and "dimensions" in type(self).model_fields:
            out += "_2d"
        if self.boundary != type(self).model_fields["boundary"].default:
            out += f"_{self.boundary}"
        order = getattr(self, "riesz_order", None)
        if order is not None:
            out += "_riesz" + "".join(str(i) for i in order)
        return out

    @property
    def name(self) -> str:
        """The variant name: prefix of its output columns (see the module docstring)."""
        return self.column_prefix or self._base_name() + self._suffixes()


def _positive(name: str, v: float) -> float:
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {v}")
    return v


def _check_riesz(order: tuple[int, ...] | None, dimensions: str) -> None:
    if order is None:
        return
    n = 2 if dimensions == "2D" else 3
    if len(order) != n or any(i < 0 for i in order) or sum(order) == 0:
        raise ValueError(
            f"riesz_order must be {n} non-negative integers (l_x, l_y{', l_z' if n == 3 else ''}) with a "
            f"positive sum for a {dimensions} filter, e.g. {(1, 0, 0) if n == 3 else (1, 0)}; got {order}"
        )


class MeanFilterSettings(_Filter):
    """Mean filter (IBSI 2, section 2.1): the mean over an M x M (x M) neighbourhood."""

    kind: Literal["mean"] = "mean"
    support: int
    """Support M in voxels: a positive odd integer (IBSI 2 phase 2 uses 5)."""
    dimensions: Literal["2D", "3D"] = "3D"
    """``'3D'`` filters the volume; ``'2D'`` each slice."""

    @field_validator("support")
    @classmethod
    def _odd(cls, v: int) -> int:
        if v < 1 or v % 2 == 0:
            raise ValueError(f"support must be a positive odd number of voxels (e.g. 5), got {v}")
        return v

    def _base_name(self) -> str:
        return f"mean_{self.support}"


class LoGFilterSettings(_Filter):
    """Laplacian of Gaussian (IBSI 2, section 2.3)."""

    kind: Literal["log"] = "log"
    sigma_mm: float
    """Gaussian scale sigma in mm."""
    truncate: float = 4.0
    """Kernel cut-off in units of sigma (support 1 + 2 floor(truncate sigma + 0.5) voxels)."""
    dimensions: Literal["2D", "3D"] = "3D"
    riesz_order: tuple[int, ...] | None = None
    """Riesz transform of the LoG response, orders ``(l_x, l_y, l_z)`` (``(l_x, l_y)`` in 2D);
    ``None``: the plain LoG. Not an IBSI 2 phase-2 filter (phase-1 tests 9.A, 9.B1)."""

    @field_validator("sigma_mm", "truncate")
    @classmethod
    def _pos(cls, v: float, info) -> float:  # type: ignore[no-untyped-def]
        return _positive(info.field_name, v)

    @model_validator(mode="after")
    def _riesz(self) -> "LoGFilterSettings":
        _check_riesz(self.riesz_order, self.dimensions)
        return self

    def _base_name(self) -> str:
        trunc = "" if self.truncate == 4.0 else f"_trunc{format_number(self.truncate)}"
        return f"log_sigma_{format_number(self.sigma_mm)}mm{trunc}"


class LawsFilterSettings(_Filter):
    """Laws kernels (IBSI 2, section 2.4): a product of 1D kernels, optionally an energy map."""

    kind: Literal["laws"] = "laws"
    kernels: str
    """Two (2D, slice by slice) or three (3D) 1D kernels, e.g. ``"L5E5"`` or ``"E5L5S5"``
    (from L3, E3, S3, L5, E5, S5, W5, R5), the kernel along x first, as IBSI 2 writes them."""
    rotation_invariant: bool = False
    """Pool the responses of every right-angle rotation of the kernel (IBSI 2 'rotational
    invariance')."""
    pooling: Literal["max", "mean"] = "max"
    """How rotated responses are pooled."""
    energy_distance: int | None = None
    """Chebyshev distance delta of the energy map (mean absolute response over a
    (2 delta + 1) neighbourhood); ``None`` gives the plain response map."""

    @field_validator("kernels")
    @classmethod
    def _kernels(cls, v: str) -> str:
        text = v.strip().upper()
        parts = re.findall(r"[A-Z]\d", text)
        if "".join(parts) != text or not 2 <= len(parts) <= 3 or any(p not in LAWS_KERNELS for p in parts):
            raise ValueError(
                f"kernels must be two (2D) or three (3D) of {', '.join(LAWS_KERNELS)} written together, "
                f"e.g. 'L5E5' or 'E5L5S5'; got {v!r}"
            )
        return text

    @field_validator("energy_distance")
    @classmethod
    def _delta(cls, v: int | None) -> int | None:
        if v is not None and v < 0:
            raise ValueError(f"energy_distance must be a non-negative number of voxels (e.g. 7), got {v}")
        return v

    @property
    def dimensions(self) -> Literal["2D", "3D"]:
        """``'2D'`` for two kernels, ``'3D'`` for three."""
        return "2D" if len(self.kernels) == 4 else "3D"

    @property
    def kernel_list(self) -> tuple[str, ...]:
        """The 1D kernels, e.g. ``('E5', 'L5', 'S5')``."""
        return tuple(self.kernels[i : i + 2] for i in range(0, len(self.kernels), 2))

    def _base_name(self) -> str:
        name = f"laws_{self.kernels.lower()}"
        if self.energy_distance is not None:
            name += f"_energy{self.energy_distance}"
        if self.rotation_invariant:
            name += f"_rotinv_{self.pooling}"
        return name


class GaborFilterSettings(_Filter):
    """Gabor filter (IBSI 2, section 2.5): a planar Gaussian-windowed complex sinusoid."""

    kind: Literal["gabor"] = "gabor"
    sigma_mm: float
    """Scale of the Gaussian envelope in mm."""
    lambda_mm: float
    """Wavelength of the sinusoid in mm."""
    gamma: float = 1.0
    """Spatial aspect ratio of the envelope."""
    theta_deg: float = 0.0
    """Orientation in degrees (without rotation invariance)."""
    rotation_invariant: bool = False
    """Pool the responses of the orientations 0, step, 2 step, ... < 360 degrees."""
    theta_step_deg: float = 45.0
    """Orientation step in degrees for rotation invariance."""
    pooling: Pooling = "mean"
    """How the responses of several orientations (and planes) are pooled."""
    response: Literal["modulus", "real", "imaginary", "angle"] = "modulus"
    """Which part of the complex response makes the map (IBSI 2 uses the modulus)."""
    dimensions: Literal["2D", "3D"] = "3D"
    """``'2D'``: the filter in each axial slice; ``'3D'``: pooled over the three orthogonal planes."""
    truncate: float = 4.0
    """Kernel half-width in standard deviations of the envelope (along its wider axis)."""

    @field_validator("sigma_mm", "lambda_mm", "gamma", "theta_step_deg", "truncate")
    @classmethod
    def _pos(cls, v: float, info) -> float:  # type: ignore[no-untyped-def]
        return _positive(info.field_name, v)

    @field_validator("theta_step_deg")
    @classmethod
    def _divides(cls, v: float) -> float:
        n = 360.0 / v
        if abs(n - round(n)) > 1e-9:
            raise ValueError(f"theta_step_deg must divide 360 degrees (e.g. 22.5, 45), got {v}")
        return v

    def _base_name(self) -> str:
        name = (
            f"gabor_s{format_number(self.sigma_mm)}_l{format_number(self.lambda_mm)}"
            f"_g{format_number(self.gamma)}"
        )
        if self.rotation_invariant:
            name += f"_rotinv_{self.pooling}_step{format_number(self.theta_step_deg)}"
        else:
            name += f"_theta{format_number(self.theta_deg)}"
        if self.response != "modulus":
            name += f"_{self.response}"
        if self.truncate != 4.0:
            name += f"_trunc{format_number(self.truncate)}"
        return name


class WaveletFilterSettings(_Filter):
    """Separable (undecimated) wavelet filter (IBSI 2, section 2.6), coefficients by PyWavelets."""

    kind: Literal["wavelet"] = "wavelet"
    wavelet: str
    """A discrete PyWavelets wavelet, e.g. ``'haar'``, ``'db2'``, ``'db3'``, ``'coif1'``."""
    response: str
    """Low (L) / high (H) pass per axis, two letters (2D, slice by slice) or three (3D),
    e.g. ``'LH'`` or ``'LLH'``."""
    level: int = 1
    """Decomposition level (level n filters the low-pass map of level n - 1, a trous)."""
    rotation_invariant: bool = False
    """Pool the responses of every right-angle rotation of the filter."""
    pooling: Pooling = "mean"

    @field_validator("wavelet")
    @classmethod
    def _wavelet(cls, v: str) -> str:
        import difflib

        import pywt

        name = v.strip().lower()
        known = pywt.wavelist(kind="discrete")
        if name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise ValueError(f"unknown wavelet {v!r}{hint} (PyWavelets discrete wavelets: haar, dbN, coifN, symN, ...)")
        return name

    @field_validator("response")
    @classmethod
    def _response(cls, v: str) -> str:
        text = v.strip().upper()
        if not re.fullmatch(r"[LH]{2,3}", text):
            raise ValueError(f"response must be two (2D) or three (3D) of the letters L and H, e.g. 'LLH'; got {v!r}")
        return text

    @field_validator("level")
    @classmethod
    def _level(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"level must be >= 1, got {v}")
        return v

    @property
    def dimensions(self) -> Literal["2D", "3D"]:
        """``'2D'`` for a two-letter response, ``'3D'`` for three."""
        return "2D" if len(self.response) == 2 else "3D"

    def _base_name(self) -> str:
        name = f"wavelet_{self.wavelet}_{self.response.lower()}_level{self.level}"
        if self.rotation_invariant:
            name += f"_rotinv_{self.pooling}"
        return name


class SimoncelliFilterSettings(_Filter):
    """Non-separable Simoncelli wavelet (IBSI 2, section 2.7), band-pass of a given level.

    Defined in the Fourier domain, so the default boundary is ``periodic`` (the image grid
    itself, as in the IBSI 2 tests and in MIRP, which does not pad for this filter); other
    conditions pad the image before the transform.
    """

    kind: Literal["simoncelli"] = "simoncelli"
    boundary: Boundary = "periodic"
    level: int = 1
    """Decomposition level (1: the highest-frequency band)."""
    dimensions: Literal["2D", "3D"] = "3D"
    riesz_order: tuple[int, ...] | None = None
    """Riesz transform of the band, orders ``(l_x, l_y, l_z)`` (``(l_x, l_y)`` in 2D); ``None``:
    the plain wavelet. Not an IBSI 2 phase-2 filter (phase-1 test 10.B1)."""

    @model_validator(mode="after")
    def _riesz(self) -> "SimoncelliFilterSettings":
        _check_riesz(self.riesz_order, self.dimensions)
        return self

    @field_validator("level")
    @classmethod
    def _level(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"level must be >= 1, got {v}")
        return v

    def _base_name(self) -> str:
        return f"simoncelli_level{self.level}"


FilterSettings = Annotated[
    Union[
        MeanFilterSettings,
        LoGFilterSettings,
        LawsFilterSettings,
        GaborFilterSettings,
        WaveletFilterSettings,
        SimoncelliFilterSettings,
    ],
    Field(discriminator="kind"),
]
"""One filter entry of ``ExtractionSettings.filters``, chosen by its ``kind``."""

_MODELS: dict[str, type[_Filter]] = {
    "mean": MeanFilterSettings,
    "log": LoGFilterSettings,
    "laws": LawsFilterSettings,
    "gabor": GaborFilterSettings,
    "wavelet": WaveletFilterSettings,
    "simoncelli": SimoncelliFilterSettings,
}

#: The filter kinds, in IBSI 2 order.
FILTER_KINDS: tuple[str, ...] = tuple(_MODELS)


def filter_model(kind: str) -> type[_Filter]:
    """The settings model of a filter ``kind`` (KeyError for an unknown kind)."""
    return _MODELS[kind]

