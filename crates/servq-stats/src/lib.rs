//! Statistics for driver analysis (correlation, OLS, VIF, Pareto); filled in by the driver-analysis issue.
