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
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class PyRadiomicsSettings(BaseModel):
    """Every PyRadiomics ``setting`` key with PyRadiomics' default.

    Names are PyRadiomics' own (camelCase), so a parameter file maps one to one. Defaults are
    those PyRadiomics applies when a key is absent (extractor defaults, then the defaults of
    the filter or feature class that reads the key). ``interpolator`` may be a SimpleITK
    interpolator name, its enum value (1..10) or ``None`` (no resampling, as in PyRadiomics).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # extractor level
    minimumROIDimensions: int = Field(2, ge=1, le=3)
    minimumROISize: int | None = Field(None, gt=0)
    geometryTolerance: float | None = Field(None, gt=0)
    correctMask: bool = False
    additionalInfo: bool = True
    label: int = Field(1, gt=0)
    label_channel: int = Field(0, ge=0)
    enableCExtensions: bool = True
    """Accepted for old parameter files; PyRadiomics 3 ignores it, so does radiome."""
    # discretisation
    binWidth: int | float = Field(25, gt=0)
    binCount: int | None = Field(None, gt=0)
    # normalisation
    normalize: bool = False
    normalizeScale: int | float = Field(1, gt=0)
    removeOutliers: int | float | None = Field(None, gt=0)
    # resampling and cropping
    resampledPixelSpacing: tuple[float, ...] | None = None
    """Target spacing ``(x, y, z)`` in mm; a 0 keeps that axis' spacing."""
    interpolator: str | int | None = "sitkBSpline"
    padDistance: int = Field(5, ge=0)
    preCrop: bool = False
    # re-segmentation
    resegmentRange: tuple[float, ...] | None = None
    resegmentMode: Literal["absolute", "relative", "sigma"] = "absolute"
    resegmentShape: bool = False
    # 2D
    force2D: bool = False
    force2Ddimension: int = Field(0, ge=0, le=2)
    # texture classes
    distances: tuple[int, ...] = (1,)
    symmetricalGLCM: bool = True
    weightingNorm: Literal["euclidean", "manhattan", "infinity", "no_weighting"] | None = None
    gldm_a: int = Field(0, ge=0)
    voxelArrayShift: int = 0
    # filters
    sigma: tuple[int | float, ...] = ()  # ints kept: PyRadiomics names log-sigma-1-mm, not 1-0
    start_level: int = Field(0, ge=0)
    level: int = Field(1, gt=0)
    wavelet: str = "coif1"
    gradientUseSpacing: bool = True
    lbp2DRadius: float = Field(1, gt=0)
    lbp2DSamples: int = Field(8, ge=1)
    lbp2DMethod: Literal["default", "ror", "uniform", "var"] = "uniform"
    lbp3DLevels: int = Field(2, ge=1)
    lbp3DIcosphereRadius: float = Field(1, gt=0)
    lbp3DIcosphereSubdivision: int = Field(1, ge=0)

    @field_validator("resampledPixelSpacing")
    @classmethod
    def _spacing(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and any(s < 0 for s in v):
            raise ValueError(f"resampledPixelSpacing must be >= 0 per axis, got {list(v)}")
        return v

    @field_validator("distances")
    @classmethod
    def _distances(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(d <= 0 for d in v):
            raise ValueError(f"distances must be positive integers, got {list(v)}")
        return v

    @field_validator("sigma")
    @classmethod
    def _sigma(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(s <= 0 for s in v):
            raise ValueError(f"sigma values must be positive (mm), got {list(v)}")
        return v

    @field_validator("resegmentRange")
    @classmethod
    def _range(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and len(v) not in (1, 2):
            raise ValueError(f"resegmentRange needs 1 or 2 values (lower[, upper]), got {list(v)}")
        return v

    @field_validator("interpolator")
    @classmethod
    def _interpolator(cls, v: str | int | None) -> str | int | None:
        if isinstance(v, bool):
            raise ValueError("interpolator must be a SimpleITK interpolator name or 1..10")
        if isinstance(v, str) and v not in INTERPOLATORS:
            near = difflib.get_close_matches(v, INTERPOLATORS, n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"interpolator {v!r} is not one of {list(INTERPOLATORS)}.{hint}")
        if isinstance(v, int) and not 1 <= v <= 10:
            raise ValueError(f"interpolator {v} must be a SimpleITK enum value in 1..10")
        return v

    @field_validator("wavelet")
    @classmethod
    def _wavelet(cls, v: str) -> str:
        try:
            import pywt
        except ImportError:  # validated again where the wavelet filter runs
            return v
        if v not in pywt.wavelist():
            near = difflib.get_close_matches(v, pywt.wavelist(), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"wavelet {v!r} is not available in PyWavelets.{hint}")
        return v

    def updated(self, custom: Mapping[str, Any] | None) -> "PyRadiomicsSettings":
        """Return these settings with ``custom`` applied (an image type's own settings).

        Raises
        ------
        ConfigError
            If a key is unknown or a value invalid.
        """
        if not custom:
            return self
        return _validate_settings({**self.model_dump(), **dict(custom)}, "imageType settings")

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


_SETTING_KEYS = tuple(PyRadiomicsSettings.model_fields)


class PyRadiomicsParams(BaseModel):
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
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    setting: PyRadiomicsSettings = PyRadiomicsSettings()
    given_settings: tuple[str, ...] = ()
    imageType: dict[str, dict[str, Any]] = Field(default_factory=lambda: {"Original": {}})
    featureClass: dict[str, tuple[str, ...] | None] = Field(
        default_factory=lambda: {k: None for k in FEATURE_NAMES if k != "shape2D"}
    )
    feature_classes_given: bool = False
    """True when the file named its feature classes (else every class is on by default)."""

    @model_validator(mode="after")
    def _check(self) -> "PyRadiomicsParams":
        for name, custom in self.imageType.items():
            if name not in IMAGE_TYPES:
                raise ValueError(_unknown("imageType", name, IMAGE_TYPES))
            self.setting.updated(custom)
        return self

    def settings_for(self, image_type: str) -> PyRadiomicsSettings:
        """The settings PyRadiomics uses for one image type (global plus its custom ones)."""
        return self.setting.updated(self.imageType.get(image_type, {}))


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
    try:
        return PyRadiomicsSettings.model_validate(clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            f"Invalid {where} value for {loc!r}: {err['msg']} (got {err.get('input')!r}). "
            "See PyRadiomics' parameter documentation for the allowed values."
        ) from None


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
            data = yaml.safe_load(path.read_text())
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
    return np.digitize(values, bin_edges(values, settings)).astype(np.int64)
