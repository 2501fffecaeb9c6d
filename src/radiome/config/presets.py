"""Named settings presets: the IBSI-1 reference configurations.

``ibsi1-digital-phantom`` and ``ibsi1-config-a`` ... ``ibsi1-config-e`` are the processing
configurations of the IBSI 1 manual (chapter 5, "Reference data sets", tables of
configurations A to E for the lung cancer CT phantom PAT1, and the digital phantom notes):

============  ====  ===================  =========  ================  ==========  ===========  =========
config        dim   interpolation        rounding   re-seg. range     outliers    texture, IH  IVH
============  ====  ===================  =========  ================  ==========  ===========  =========
digital       3D    no                   --         no                no          none         none
A             2D    no                   --         [-500, 400] HU    no          FBS 25 HU    none
B             2D    2 x 2 mm (axial),    nearest    [-500, 400] HU    no          FBN 32       none
                    bilinear, mask
                    bilinear, PV 0.5
C             3D    2 x 2 x 2 mm,        nearest    [-1000, 400] HU   no          FBS 25 HU    FBS 2.5 HU
                    trilinear, mask
                    trilinear, PV 0.5
D             3D    as C                 nearest    no                3 sigma     FBN 32       none
E             3D    2 x 2 x 2 mm,        nearest    [-1000, 400] HU   3 sigma     FBN 32       FBN 1000
                    tricubic spline;
                    mask trilinear, 0.5
============  ====  ===================  =========  ================  ==========  ===========  =========

All use GLCM / NGTDM / NGLDM distance 1, GLSZM / GLDZM linkage distance 1, NGLDM
coarseness 0. "2D" configurations report texture features per slice (``_2D``) and with
slices merged (``_2_5D``); 3D configurations report volumetric texture (``_3D``); the
digital phantom reports all three (as the reference tables' tag suffixes show). The CT
phantom is distributed as NIfTI, which the manual says to read as float and round to
integers before processing: the CT presets set ``round_input``. For configuration B the z
spacing is ignored (in-plane interpolation keeps the 3 mm slices; it is written as 3.0 only
so that the resolved settings read as what happens to the phantom).
"""

from __future__ import annotations

import difflib
from types import MappingProxyType
from typing import Mapping

from radiome.config.settings import (
    DiscretisationSettings,
    ExtractionSettings,
    InterpolationSettings,
    ResegmentationSettings,
    TextureSettings,
)
from radiome.errors import ConfigError

__all__ = ["PRESETS", "preset"]

_NONE = DiscretisationSettings(method="none", n_bins=None)
_FBN32 = DiscretisationSettings(method="fbn", n_bins=32)
_FBS25 = DiscretisationSettings(method="fbs", n_bins=None, bin_width=25.0)
_TEXTURE_2D = TextureSettings(dimensions=("2D", "2_5D"), distance=1, ngldm_coarseness=0)
_TEXTURE_3D = TextureSettings(dimensions=("3D",), distance=1, ngldm_coarseness=0)
_INTERP_3D_LINEAR = InterpolationSettings(
    spacing_xyz=(2.0, 2.0, 2.0), in_plane_only=False, image_method="linear", mask_method="linear",
    mask_threshold=0.5, round_intensities=True,
)

PRESETS: Mapping[str, ExtractionSettings] = MappingProxyType({
    "ibsi1-digital-phantom": ExtractionSettings(
        round_input=False,
        interpolation=InterpolationSettings(),
        resegmentation=ResegmentationSettings(),
        discretisation=_NONE,
        ivh_discretisation=_NONE,
        texture=TextureSettings(dimensions=("2D", "2_5D", "3D"), distance=1, ngldm_coarseness=0),
    ),
    "ibsi1-config-a": ExtractionSettings(
        round_input=True,
        interpolation=InterpolationSettings(),
        resegmentation=ResegmentationSettings(range=(-500.0, 400.0)),
        discretisation=_FBS25,
        ivh_discretisation=_NONE,
        texture=_TEXTURE_2D,
    ),
    "ibsi1-config-b": ExtractionSettings(
        round_input=True,
        interpolation=InterpolationSettings(
            spacing_xyz=(2.0, 2.0, 3.0), in_plane_only=True, image_method="linear", mask_method="linear",
            mask_threshold=0.5, round_intensities=True,
        ),
        resegmentation=ResegmentationSettings(range=(-500.0, 400.0)),
        discretisation=_FBN32,
        ivh_discretisation=_NONE,
        texture=_TEXTURE_2D,
    ),
    "ibsi1-config-c": ExtractionSettings(
        round_input=True,
        interpolation=_INTERP_3D_LINEAR,
        resegmentation=ResegmentationSettings(range=(-1000.0, 400.0)),
        discretisation=_FBS25,
        ivh_discretisation=DiscretisationSettings(method="fbs", n_bins=None, bin_width=2.5),
        texture=_TEXTURE_3D,
    ),
    "ibsi1-config-d": ExtractionSettings(
        round_input=True,
        interpolation=_INTERP_3D_LINEAR,
        resegmentation=ResegmentationSettings(outlier_sigma=3.0),
        discretisation=_FBN32,
        ivh_discretisation=_NONE,
        texture=_TEXTURE_3D,
    ),
    "ibsi1-config-e": ExtractionSettings(
        round_input=True,
        interpolation=InterpolationSettings(
            spacing_xyz=(2.0, 2.0, 2.0), in_plane_only=False, image_method="cubic", mask_method="linear",
            mask_threshold=0.5, round_intensities=True,
        ),
        resegmentation=ResegmentationSettings(range=(-1000.0, 400.0), outlier_sigma=3.0),
        discretisation=_FBN32,
        ivh_discretisation=DiscretisationSettings(method="fbn", n_bins=1000),
        texture=_TEXTURE_3D,
    ),
})


def preset(name: str) -> ExtractionSettings:
    """The settings of a named preset (see :data:`PRESETS` and the module docstring).

    Parameters
    ----------
    name : str
        ``ibsi1-digital-phantom`` or ``ibsi1-config-a`` ... ``ibsi1-config-e``
        (case-insensitive; underscores are read as hyphens).

    Returns
    -------
    ExtractionSettings
        Frozen, so the shared preset cannot be changed; use ``model_copy(update=...)`` to derive.

    Raises
    ------
    ConfigError
        For an unknown name, with the nearest preset names.

    Examples
    --------
    >>> preset("ibsi1-config-c").interpolation.spacing_xyz
    (2.0, 2.0, 2.0)
    """
    key = str(name).strip().lower().replace("_", "-")
    if key in PRESETS:
        return PRESETS[key]
    near = difflib.get_close_matches(key, list(PRESETS), n=2, cutoff=0.4)
    hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    raise ConfigError(f"unknown preset {name!r}.{hint} Known presets: {', '.join(PRESETS)}")
