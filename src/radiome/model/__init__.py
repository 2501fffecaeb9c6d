"""Predictive models (scikit-learn estimators): logistic regression with inference, Rad-score,
clinical and combined models, survival models, nomograms, validation designs, auto-model."""
