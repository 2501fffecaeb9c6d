"""Feature selection (scikit-learn transformers): reproducibility, redundancy, univariate
tests, LASSO (glmnet-compatible), mRMR and stability selection."""
