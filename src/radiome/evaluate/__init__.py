"""Evaluation of predictive models: discrimination, calibration, clinical utility, survival.

Every function returns a frozen result object with estimates, confidence intervals and a
``plot`` method.
"""
