"""IBSI-1 feature families and the feature registry."""

from radiome.features.registry import FamilySpec, FeatureSpec, column_name, families, feature_specs
from radiome.features.roi import ROI

__all__ = ["ROI", "FamilySpec", "FeatureSpec", "column_name", "families", "feature_specs"]
