"""PyRadiomics parameter files: settings, image types, feature classes, and its grey-level binning.

A PyRadiomics parameter file has three sections: ``setting`` (pre-processing and feature
class settings), ``imageType`` (``{name: {custom settings}}``, the custom settings overriding
``setting`` for that image type only) and ``featureClass`` (``{class: [features] or None}``).
This module validates such a file the way PyRadiomics' schema does (same keys, same
defaults, same value ranges) and rejects unknown keys with the nearest valid one, raising
:class:`radiome.errors.ConfigError`.

It also holds :func:`discretise`, PyRadiomics' grey-level binning. It is written by hand
because it differs from IBSI's fixed-bin-size discretisation (radiome's own
:mod:`radiome.preprocess.discretise`): PyRadiomics' bin edges are multiples of the bin width
counted from zero, not from the lower bound of the ROI, values are binned with
``numpy.digitize`` (half-open bins, so a maximum on an edge opens a new bin), and fixed bin
count uses ``numpy.histogram`` edges with the top edge raised by one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from radiome.errors import ConfigError

__all__ = [
    "PyRadiomicsSettings",
    "PyRadiomicsParams",
    "FEATURE_NAMES",
    "IMAGE_TYPES",
    "INTERPOLATORS",
    "load_params",
    "bin_edges",
    "discretise",
]

#: SimpleITK interpolator names PyRadiomics accepts, in SimpleITK's enum order (1..10).
INTERPOLATORS: tuple[str, ...] = (
    "sitkNearestNeighbor",
    "sitkLinear",
    "sitkBSpline",
    "sitkGaussian",
    "sitkLabelGaussian",
    "sitkHammingWindowedSinc",
    "sitkCosineWindowedSinc",
    "sitkWelchWindowedSinc",
    "sitkLanczosWindowedSinc",
    "sitkBlackmanWindowedSinc",
)

#: PyRadiomics image types (``imageType`` keys).
IMAGE_TYPES: tuple[str, ...] = (
    "Original",
    "LoG",
    "Wavelet",
    "Square",
    "SquareRoot",
    "Logarithm",
    "Exponential",
    "Gradient",
    "LBP2D",
    "LBP3D",
)

#: Feature names per PyRadiomics feature class; the second element lists deprecated features,
#: which PyRadiomics computes only when named explicitly.
FEATURE_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "firstorder": (
        (
            "Energy", "TotalEnergy", "Entropy", "Minimum", "10Percentile", "90Percentile",
            "Maximum", "Mean", "Median", "InterquartileRange", "Range", "MeanAbsoluteDeviation",
            "RobustMeanAbsoluteDeviation", "RootMeanSquared", "Skewness", "Kurtosis",
            "Variance", "Uniformity",
        ),
        ("StandardDeviation",),
    ),
    "shape": (
        (
            "MeshVolume", "VoxelVolume", "SurfaceArea", "SurfaceVolumeRatio", "Sphericity",
            "Maximum3DDiameter", "Maximum2DDiameterSlice", "Maximum2DDiameterColumn",
            "Maximum2DDiameterRow", "MajorAxisLength", "MinorAxisLength", "LeastAxisLength",
            "Elongation", "Flatness",
        ),
        ("Compactness1", "Compactness2", "SphericalDisproportion"),
    ),
    "shape2D": (
        (
            "MeshSurface", "PixelSurface", "Perimeter", "PerimeterSurfaceRatio", "Sphericity",
            "MaximumDiameter", "MajorAxisLength", "MinorAxisLength", "Elongation",
        ),
        ("SphericalDisproportion",),
    ),
    "glcm": (
        (
            "Autocorrelation", "JointAverage", "ClusterProminence", "ClusterShade",
            "ClusterTendency", "Contrast", "Correlation", "DifferenceAverage",
            "DifferenceEntropy", "DifferenceVariance", "JointEnergy", "JointEntropy", "Imc1",
            "Imc2", "Idm", "MCC", "Idmn", "Id", "Idn", "InverseVariance", "MaximumProbability",
            "SumAverage", "SumEntropy", "SumSquares",
        ),
        ("Dissimilarity", "Homogeneity1", "Homogeneity2", "SumVariance"),
    ),
    "glrlm": (
        (
            "ShortRunEmphasis", "LongRunEmphasis", "GrayLevelNonUniformity",
            "GrayLevelNonUniformityNormalized", "RunLengthNonUniformity",
            "RunLengthNonUniformityNormalized", "RunPercentage", "GrayLevelVariance",
            "RunVariance", "RunEntropy", "LowGrayLevelRunEmphasis", "HighGrayLevelRunEmphasis",
            "ShortRunLowGrayLevelEmphasis", "ShortRunHighGrayLevelEmphasis",
            "LongRunLowGrayLevelEmphasis", "LongRunHighGrayLevelEmphasis",
        ),
        (),
    ),
    "glszm": (
        (
            "SmallAreaEmphasis", "LargeAreaEmphasis", "GrayLevelNonUniformity",
            "GrayLevelNonUniformityNormalized", "SizeZoneNonUniformity",
            "SizeZoneNonUniformityNormalized", "ZonePercentage", "GrayLevelVariance",
            "ZoneVariance", "ZoneEntropy", "LowGrayLevelZoneEmphasis",
            "HighGrayLevelZoneEmphasis", "SmallAreaLowGrayLevelEmphasis",
            "SmallAreaHighGrayLevelEmphasis", "LargeAreaLowGrayLevelEmphasis",
            "LargeAreaHighGrayLevelEmphasis",
        ),
        (),
    ),
    "gldm": (
        (
            "SmallDependenceEmphasis", "LargeDependenceEmphasis", "GrayLevelNonUniformity",
            "DependenceNonUniformity", "DependenceNonUniformityNormalized", "GrayLevelVariance",
            "DependenceVariance", "DependenceEntropy", "LowGrayLevelEmphasis",
            "HighGrayLevelEmphasis", "SmallDependenceLowGrayLevelEmphasis",
            "SmallDependenceHighGrayLevelEmphasis", "LargeDependenceLowGrayLevelEmphasis",
            "LargeDependenceHighGrayLevelEmphasis",
        ),
        ("GrayLevelNonUniformityNormalized", "DependencePercentage"),
    ),
    "ngtdm": (("Coarseness", "Contrast", "Busyness", "Complexity", "Strength"), ()),
}


# Field kinds: how a value given in a parameter file is read (the lax conversions PyRadiomics'
# YAML/JSON files need: lists for tuples, integral floats for ints, ints for floats).
_INT, _FLOAT, _NUMBER, _BOOL, _STR = "int", "float", "int or float", "bool", "str"


@dataclass(frozen=True)
class _Spec:
    kind: str
    default: Any
    optional: bool = False
    low: float | None = None  # bound, inclusive unless strict
    high: float | None = None
    strict: bool = False  # low bound excluded (> instead of >=)
    seq: bool = False  # a tuple of ``kind``
    choices: tuple[str, ...] | None = None


_SPECS: dict[str, _Spec] = {
    # extractor level
    "minimumROIDimensions": _Spec(_INT, 2, low=1, high=3),
    "minimumROISize": _Spec(_INT, None, optional=True, low=0, strict=True),
    "geometryTolerance": _Spec(_FLOAT, None, optional=True, low=0, strict=True),
    "correctMask": _Spec(_BOOL, False),
    "additionalInfo": _Spec(_BOOL, True),
    "label": _Spec(_INT, 1, low=0, strict=True),
    "label_channel": _Spec(_INT, 0, low=0),
    "enableCExtensions": _Spec(_BOOL, True),
    # discretisation
    "binWidth": _Spec(_NUMBER, 25, low=0, strict=True),
    "binCount": _Spec(_INT, None, optional=True, low=0, strict=True),
    # normalisation
    "normalize": _Spec(_BOOL, False),
    "normalizeScale": _Spec(_NUMBER, 1, low=0, strict=True),
    "removeOutliers": _Spec(_NUMBER, None, optional=True, low=0, strict=True),
    # resampling and cropping
    "resampledPixelSpacing": _Spec(_FLOAT, None, optional=True, seq=True, low=0),
    "interpolator": _Spec("interpolator", "sitkBSpline", optional=True),
    "padDistance": _Spec(_INT, 5, low=0),
    "preCrop": _Spec(_BOOL, False),
    # re-segmentation
    "resegmentRange": _Spec(_FLOAT, None, optional=True, seq=True),
    "resegmentMode": _Spec(_STR, "absolute", choices=("absolute", "relative", "sigma")),
    "resegmentShape": _Spec(_BOOL, False),
    # 2D
    "force2D": _Spec(_BOOL, False),
    "force2Ddimension": _Spec(_INT, 0, low=0, high=2),
    # texture classes
    "distances": _Spec(_INT, (1,), seq=True, low=0, strict=True),
    "symmetricalGLCM": _Spec(_BOOL, True),
    "weightingNorm": _Spec(_STR, None, optional=True, choices=("euclidean", "manhattan", "infinity", "no_weighting")),
    "gldm_a": _Spec(_INT, 0, low=0),
    "voxelArrayShift": _Spec(_INT, 0),
    # filters (ints kept in sigma: PyRadiomics names log-sigma-1-mm, not 1-0)
    "sigma": _Spec(_NUMBER, (), seq=True, low=0, strict=True),
    "start_level": _Spec(_INT, 0, low=0),
    "level": _Spec(_INT, 1, low=0, strict=True),
    "wavelet": _Spec("wavelet", "coif1"),
    "gradientUseSpacing": _Spec(_BOOL, True),
    "lbp2DRadius": _Spec(_FLOAT, 1.0, low=0, strict=True),
    "lbp2DSamples": _Spec(_INT, 8, low=1),
    "lbp2DMethod": _Spec(_STR, "uniform", choices=("default", "ror", "uniform", "var")),
    "lbp3DLevels": _Spec(_INT, 2, low=1),
    "lbp3DIcosphereRadius": _Spec(_FLOAT, 1.0, low=0, strict=True),
    "lbp3DIcosphereSubdivision": _Spec(_INT, 1, low=0),
}

_TRUE = ("true", "yes", "on", "1", "t", "y")
_FALSE = ("false", "no", "off", "0", "f", "n")


def _scalar(kind: str, value: Any) -> Any:
    """One value read as ``kind``; ValueError with the reason otherwise."""
    if kind == _BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("Input should be a valid boolean")
    if kind == _STR:
        if isinstance(value, str):
            return value
        raise ValueError("Input should be a valid string")
    if isinstance(value, bool):
        raise ValueError(f"Input should be a valid {'integer' if kind == _INT else 'number'}, not a boolean")
    if isinstance(value, str):
        try:
            value = float(value) if any(c in value for c in ".eE") or kind == _FLOAT else int(value)
        except ValueError:
            raise ValueError(f"Input should be a valid {'integer' if kind == _INT else 'number'}") from None
    if isinstance(value, (int, np.integer)):
        return float(value) if kind == _FLOAT else int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) and kind != _FLOAT:
            raise ValueError("Input should be a finite number")
        if kind == _INT:
            if float(value) != int(value):
                raise ValueError("Input should be a valid integer, got a number with a fractional part")
            return int(value)
        return float(value)
    raise ValueError(f"Input should be a valid {'integer' if kind == _INT else 'number'}")


def _bounded(spec: _Spec, value: Any) -> None:
    if spec.low is not None and (value <= spec.low if spec.strict else value < spec.low):
        raise ValueError(f"Input should be {'greater than' if spec.strict else 'greater than or equal to'} {spec.low:g}")
    if spec.high is not None and value > spec.high:
        raise ValueError(f"Input should be less than or equal to {spec.high:g}")


def _field(name: str, value: Any) -> Any:
    """Read one setting as PyRadiomicsSettings holds it; ValueError with the reason."""
    spec = _SPECS[name]
    if value is None:
        if spec.optional:
            return None
        raise ValueError("Input should not be None")
    if spec.kind == "interpolator":
        if isinstance(value, bool):
            raise ValueError("interpolator must be a SimpleITK interpolator name or 1..10")
        if isinstance(value, str):
            if value not in INTERPOLATORS:
                near = difflib.get_close_matches(value, INTERPOLATORS, n=1)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                raise ValueError(f"interpolator {value!r} is not one of {list(INTERPOLATORS)}.{hint}")
            return value
        number = _scalar(_INT, value)
        if not 1 <= number <= 10:
            raise ValueError(f"interpolator {number} must be a SimpleITK enum value in 1..10")
        return number
    if spec.kind == "wavelet":
        value = _scalar(_STR, value)
        try:
            import pywt
        except ImportError:  # validated again where the wavelet filter runs
            return value
        if value not in pywt.wavelist():
            near = difflib.get_close_matches(value, pywt.wavelist(), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"wavelet {value!r} is not available in PyWavelets.{hint}")
        return value
    if spec.seq:
        if not isinstance(value, (list, tuple)):
            raise ValueError("Input should be a valid list")
        items = tuple(_scalar(spec.kind, v) if spec.kind != _NUMBER else _number(v) for v in value)
        for v in items:
            _bounded(spec, v)
        if name == "resegmentRange" and len(items) not in (1, 2):
            raise ValueError(f"resegmentRange needs 1 or 2 values (lower[, upper]), got {list(items)}")
        return items
    if spec.kind == _NUMBER:
        value = _number(value)
    else:
        value = _scalar(spec.kind, value)
    if spec.choices is not None and value not in spec.choices:
        raise ValueError(f"Input should be {' or '.join(repr(c) for c in spec.choices)}")
    if spec.kind != _STR:
        _bounded(spec, value)
    return value


def _number(value: Any) -> int | float:
    """An int stays an int, anything else numeric becomes a float (PyRadiomics' ``int | float``)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return _scalar(_FLOAT, value)


@dataclass(frozen=True, init=False)
class PyRadiomicsSettings:
    """Every PyRadiomics ``setting`` key with PyRadiomics' default.

    Names are PyRadiomics' own (camelCase), so a parameter file maps one to one. Defaults are
    those PyRadiomics applies when a key is absent (extractor defaults, then the defaults of
    the filter or feature class that reads the key). ``interpolator`` may be a SimpleITK
    interpolator name, its enum value (1..10) or ``None`` (no resampling, as in PyRadiomics).
    Values are checked as PyRadiomics' schema checks them (types, ranges, names); the class is
    immutable (:meth:`updated` returns a new one). It is a plain frozen dataclass, not a
    pydantic model, so that the PyRadiomics mode imports nothing PyRadiomics does not.
    """

    minimumROIDimensions: int
    minimumROISize: int | None
    geometryTolerance: float | None
    correctMask: bool
    additionalInfo: bool
    label: int
    label_channel: int
    enableCExtensions: bool
    """Accepted for old parameter files; PyRadiomics 3 ignores it, so does radiome."""
    binWidth: int | float
    binCount: int | None
    normalize: bool
    normalizeScale: int | float
    removeOutliers: int | float | None
    resampledPixelSpacing: tuple[float, ...] | None
    """Target spacing ``(x, y, z)`` in mm; a 0 keeps that axis' spacing."""
    interpolator: str | int | None
    padDistance: int
    preCrop: bool
    resegmentRange: tuple[float, ...] | None
    resegmentMode: str
    resegmentShape: bool
    force2D: bool
    force2Ddimension: int
    distances: tuple[int, ...]
    symmetricalGLCM: bool
    weightingNorm: str | None
    gldm_a: int
    voxelArrayShift: int
    sigma: tuple[int | float, ...]
    start_level: int
    level: int
    wavelet: str
    gradientUseSpacing: bool
    lbp2DRadius: float
    lbp2DSamples: int
    lbp2DMethod: str
    lbp3DLevels: int
    lbp3DIcosphereRadius: float
    lbp3DIcosphereSubdivision: int

    def __init__(self, **values: Any) -> None:
        unknown = [k for k in values if k not in _SPECS]
        if unknown:
            raise ValueError(_unknown("setting", str(unknown[0]), _SETTING_KEYS))
        for name, spec in _SPECS.items():
            object.__setattr__(self, name, _field(name, values[name]) if name in values else spec.default)

    def as_dict(self) -> dict[str, Any]:
        """``{setting: value}`` for every key."""
        return {name: getattr(self, name) for name in _SPECS}

    def updated(self, custom: Mapping[str, Any] | None) -> "PyRadiomicsSettings":
        """Return these settings with ``custom`` applied (an image type's own settings).

        Raises
        ------
        ConfigError
            If a key is unknown or a value invalid.
        """
        if not custom:
            return self
        return _validate_settings({**self.as_dict(), **dict(custom)}, "imageType settings")

    def as_pyradiomics_dict(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Settings as PyRadiomics reports them in ``diagnostics_Configuration_Settings``.

        PyRadiomics reports its extractor defaults updated with the keys the user gave.
        """
        out: dict[str, Any] = {
            "minimumROIDimensions": 2, "minimumROISize": None, "normalize": False,
            "normalizeScale": 1, "removeOutliers": None, "resampledPixelSpacing": None,
            "interpolator": "sitkBSpline", "preCrop": False, "padDistance": 5,
            "distances": [1], "force2D": False, "force2Ddimension": 0,
            "resegmentRange": None, "label": 1, "additionalInfo": True,
        }
        keys = set(out) | set(given or {})
        for key in keys:
            value = getattr(self, key)
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


_SETTING_KEYS = tuple(_SPECS)


@dataclass(frozen=True)
class PyRadiomicsParams:
    """A whole PyRadiomics parameter file, validated.

    Attributes
    ----------
    setting
        The resolved settings (defaults plus the file's ``setting`` section).
    given_settings
        The keys given in the file's ``setting`` section (for reporting).
    imageType
        ``{image type: custom settings}``; ``{'Original': {}}`` when the section is absent.
    featureClass
        ``{class: [feature names] or None}``; every class except ``shape2D`` with ``None``
        (all non-deprecated features) when the section is absent, as in PyRadiomics.
    feature_classes_given
        True when the file named its feature classes (else every class is on by default).
    """

    setting: PyRadiomicsSettings = field(default_factory=PyRadiomicsSettings)
    given_settings: tuple[str, ...] = ()
    imageType: dict[str, dict[str, Any]] = field(default_factory=lambda: {"Original": {}})
    featureClass: dict[str, tuple[str, ...] | None] = field(
        default_factory=lambda: {k: None for k in FEATURE_NAMES if k != "shape2D"}
    )
    feature_classes_given: bool = False

    def __post_init__(self) -> None:
        for name, custom in self.imageType.items():
            if name not in IMAGE_TYPES:
                raise ConfigError(_unknown("imageType", name, IMAGE_TYPES))
            self.setting.updated(custom)

    def settings_for(self, image_type: str) -> PyRadiomicsSettings:
        """The settings PyRadiomics uses for one image type (global plus its custom ones)."""
        return self.setting.updated(self.imageType.get(image_type, {}))

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> "PyRadiomicsParams":
        """A copy with the fields in ``update`` replaced, checked again (the pydantic-style
        spelling callers of the earlier pydantic model use, e.g. the CLI's ``--label``)."""
        return replace(self, **dict(update or {}))


def _unknown(section: str, key: str, valid: tuple[str, ...] | list[str]) -> str:
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    if not near:
        near = [v for v in valid if v.lower() == key.lower()]
    hint = f" Did you mean {near[0]!r}?" if near else f" Valid keys: {', '.join(valid)}."
    return f"Unknown {section} key {key!r}.{hint}"


def _validate_settings(data: Mapping[str, Any], where: str) -> PyRadiomicsSettings:
    for key in data:
        if key not in _SETTING_KEYS:
            raise ConfigError(_unknown(where, str(key), _SETTING_KEYS))
    # ``distances: 1`` style scalars are lists in PyRadiomics' schema; accept single values.
    clean = {k: v for k, v in data.items()}
    for seq in ("distances", "sigma", "resampledPixelSpacing", "resegmentRange"):
        if seq in clean and isinstance(clean[seq], (int, float)) and not isinstance(clean[seq], bool):
            raise ConfigError(
                f"{where} key {seq!r} must be a list (e.g. [{clean[seq]}]), got {clean[seq]!r}."
            )
    for key, value in clean.items():
        try:
            _field(key, value)
        except ValueError as exc:
            raise ConfigError(
                f"Invalid {where} value for {key!r}: {exc} (got {value!r}). "
                "See PyRadiomics' parameter documentation for the allowed values."
            ) from None
    return PyRadiomicsSettings(**clean)


def _parse_feature_classes(raw: Any) -> dict[str, tuple[str, ...] | None]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"featureClass must be a mapping {{class: [features]}}, got {raw!r}.")
    out: dict[str, tuple[str, ...] | None] = {}
    for cls_name, features in raw.items():
        if cls_name not in FEATURE_NAMES:
            raise ConfigError(_unknown("featureClass", str(cls_name), tuple(FEATURE_NAMES)))
        if features is None or features == []:
            out[cls_name] = None
            continue
        if not isinstance(features, (list, tuple)):
            raise ConfigError(
                f"featureClass {cls_name!r} must list feature names or be empty, got {features!r}."
            )
        valid = FEATURE_NAMES[cls_name][0] + FEATURE_NAMES[cls_name][1]
        for feature in features:
            if feature not in valid:
                raise ConfigError(_unknown(f"{cls_name} feature", str(feature), valid))
        out[cls_name] = tuple(features)
    return out


def load_params(source: str | Path | Mapping[str, Any] | PyRadiomicsParams | None) -> PyRadiomicsParams:
    """Load and validate a PyRadiomics parameter file (YAML or JSON) or dict.

    Parameters
    ----------
    source
        Path to a ``.yaml``/``.yml``/``.json`` file, a dict with the sections ``setting``,
        ``imageType``, ``featureClass`` (and ``voxelSetting``, accepted and ignored since
        radiome's PyRadiomics mode is segment-based), an already loaded
        :class:`PyRadiomicsParams`, or ``None`` for PyRadiomics' defaults.

    Returns
    -------
    PyRadiomicsParams

    Raises
    ------
    ConfigError
        On an unknown section, setting, image type, feature class or feature (the message
        names the nearest valid key), or an invalid value.
    """
    if isinstance(source, PyRadiomicsParams):
        return source
    if source is None:
        return PyRadiomicsParams()
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"PyRadiomics parameter file {str(path)!r} does not exist.")
        import yaml

        try:
            data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ConfigError(f"Cannot parse {str(path)!r} as YAML/JSON: {exc}") from None
        data = {} if data is None else data
    else:
        data = source
    if not isinstance(data, Mapping):
        raise ConfigError(f"A PyRadiomics parameter file is a mapping of sections, got {type(data).__name__}.")
    sections = ("setting", "imageType", "featureClass", "voxelSetting")
    for key in data:
        if key not in sections:
            raise ConfigError(_unknown("section", str(key), sections))
    given = data.get("setting") or {}
    if not isinstance(given, Mapping):
        raise ConfigError(f"The 'setting' section must be a mapping, got {given!r}.")
    setting = _validate_settings(dict(given), "setting")

    image_types_raw = data.get("imageType") or {}
    if not isinstance(image_types_raw, Mapping):
        raise ConfigError(f"The 'imageType' section must be a mapping, got {image_types_raw!r}.")
    image_types: dict[str, dict[str, Any]] = {}
    for name, custom in image_types_raw.items():
        if name not in IMAGE_TYPES:
            raise ConfigError(_unknown("imageType", str(name), IMAGE_TYPES))
        custom = custom or {}
        if not isinstance(custom, Mapping):
            raise ConfigError(f"imageType {name!r} takes a mapping of custom settings, got {custom!r}.")
        setting.updated(custom)  # validates
        image_types[name] = dict(custom)
    if not image_types:
        image_types = {"Original": {}}

    features_raw = data.get("featureClass") or {}
    features = _parse_feature_classes(features_raw) if features_raw else {
        k: None for k in FEATURE_NAMES
    }
    # PyRadiomics enables every class (shape2D included) when the section is empty in a file.
    return PyRadiomicsParams(
        setting=setting,
        given_settings=tuple(given),
        imageType=image_types,
        featureClass=features,
        feature_classes_given=bool(features_raw),
    )


# --------------------------------------------------------------------------------------------
# Grey-level binning
# --------------------------------------------------------------------------------------------


def bin_edges(values: np.ndarray, settings: PyRadiomicsSettings) -> np.ndarray:
    r"""PyRadiomics' bin edges for the ROI grey values ``values`` (1D).

    Fixed bin width :math:`w` (``binWidth``): edges are multiples of :math:`w` from
    :math:`\lfloor \min X / w \rfloor w` up to, but excluding, :math:`\max X + 2w`, so

    .. math::
        X_{b} = \left\lfloor \frac{X}{w} \right\rfloor - \left\lfloor \frac{\min X}{w}
        \right\rfloor + 1

    (IBSI 1 fixed bin size instead counts from the re-segmentation lower bound:
    :math:`\lfloor (X - X_{min})/w \rfloor + 1`, IBSI code Q3A1). A flat ROI whose value is
    a multiple of :math:`w` gets the edges :math:`x \pm 0.5`.

    Fixed bin count :math:`N_b` (``binCount``): ``numpy.histogram`` edges over
    :math:`[\min X, \max X]` with the top edge raised by 1, so the maximum falls into bin
    :math:`N_b` (IBSI 1 fixed bin number, code K15C, gives the same bins).

    The arithmetic is done in the dtype of ``values``, as PyRadiomics does.
    """
    values = np.asarray(values).ravel()
    if values.size == 0:
        raise ValueError("bin_edges needs at least one ROI value")
    if settings.binCount is not None:
        edges = np.histogram(values, settings.binCount)[1]
        edges[-1] += 1
        return edges
    width = settings.binWidth
    minimum = values.min()
    maximum = values.max()
    low = minimum - (minimum % width)
    high = maximum + 2 * width
    edges = np.arange(low, high, width)
    if len(edges) == 1:
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    return edges


def discretise(values: np.ndarray, settings: PyRadiomicsSettings) -> np.ndarray:
    r"""Bin grey values as PyRadiomics does: ``numpy.digitize(values, bin_edges(values))``.

    .. math::
        X_{b,i} = \#\{ e_k \le X_i \}, \qquad e_k \text{ from } :func:`bin_edges`

    Parameters
    ----------
    values
        Grey values of the ROI voxels (any shape; edges are computed from all of them).
    settings
        ``binWidth`` or ``binCount`` is used.

    Returns
    -------
    numpy.ndarray
        Integer bin indices, same shape as ``values``; the ROI minimum falls into bin 1.
        PyRadiomics keeps the indices as they are (it does not renumber empty bins); its
        texture matrices have as many grey levels as the largest index present.

    Examples
    --------
    >>> import numpy as np
    >>> discretise(np.array([54., 75., 166.]), PyRadiomicsSettings(binWidth=25)).tolist()
    [1, 2, 5]
    """
    values = np.asarray(values)
    return _digitize(values, bin_edges(values, settings))


def _digitize(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``numpy.digitize(values, edges)`` (increasing edges) as int64, for evenly spaced edges
    without a binary search: the bin is estimated from the spacing and corrected against the
    edges themselves, so the result is exactly ``numpy.digitize``'s."""
    m = len(edges)
    flat = values.reshape(-1)
    if m < 3 or flat.size < 4096 or not np.all(np.isfinite(edges)) or not np.all(np.isfinite(flat)):
        return np.digitize(values, edges).astype(np.int64)
    e = np.asarray(edges, dtype=np.float64)
    step = (e[-1] - e[0]) / (m - 1)
    if not step > 0:
        return np.digitize(values, edges).astype(np.int64)
    k = np.floor((flat - e[0]) / step).astype(np.int64) + 1  # number of edges <= value, estimated
    np.clip(k, 0, m, out=k)
    ext = np.concatenate([[-np.inf], e, [np.inf]])  # ext[k] = edge k - 1, ext[k + 1] = edge k
    for _ in range(4):  # move each estimate to the exact count; the estimate is off by one at most
        low = flat < ext[k]
        high = flat >= ext[k + 1]
        if not (low.any() or high.any()):
            return k.reshape(values.shape)
        k -= low
        k += high
    return np.digitize(values, edges).astype(np.int64)
