"""Multi-centre harmonisation (ComBat) as a scikit-learn transformer."""
