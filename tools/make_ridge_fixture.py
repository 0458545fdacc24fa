#!/usr/bin/env python3
"""Write tests/fixtures/ridge_glmnet.json: weighted ridge fits as glmnet
(alpha=0, standardize=TRUE, intercept=TRUE) defines them, computed with numpy
from the definition, independently of emotui's moment-based solver.

glmnet's gaussian objective with observation weights w (normalised to sum 1):
    1/2 * sum w_i (y_i - b0 - x_i b)^2 + lambda/(2 s_y) * sum (s_j b_j)^2
where s_j is the weighted population standard deviation of column j and s_y
that of y: glmnet standardises x and y, penalises the standardised
coefficients, and reports them on the original scale. R lime uses
lambda = 2 / n_permutations (0.002). tests/r_oracle.rs checks the same
definition against real glmnet.
"""
import json

import numpy as np


def glmnet_ridge(X, y, w, lam):
    w = w / w.sum()
    xm = w @ X
    xs = np.sqrt(w @ (X - xm) ** 2)
    Z = (X - xm) / xs
    ym = w @ y
    ys = np.sqrt(w @ (y - ym) ** 2)
    A = Z.T @ (Z * w[:, None]) + lam / ys * np.eye(X.shape[1])
    b = np.linalg.solve(A, Z.T @ (w * (y - ym)))
    beta = b / xs
    b0 = ym - xm @ beta
    fitted = b0 + X @ beta
    r2 = 1 - (w @ (y - fitted) ** 2) / (w @ (y - ym) ** 2)
    return b0, beta, r2


def main():
    rng = np.random.RandomState(7)
    cases = []
    for n, k, lam in [(200, 6, 0.01), (1000, 20, 0.002), (300, 3, 0.0)]:
        X = (rng.rand(n, k) > 0.5).astype(float)
        X[0] = 1.0
        true = rng.randn(k) * 0.2
        y = 0.3 + X @ true + 0.05 * rng.randn(n)
        kept = X.sum(1)
        w = np.sqrt(kept / k)  # R lime's sample weights
        b0, beta, r2 = glmnet_ridge(X, y, w, lam)
        cases.append({
            "n": n, "k": k, "lambda": lam,
            "kept": X.astype(int).ravel().tolist(), "y": y.tolist(), "w": w.tolist(),
            "intercept": float(b0), "coefficients": beta.tolist(), "r2": float(r2),
        })
    with open("tests/fixtures/ridge_glmnet.json", "w") as f:
        json.dump({"generator": "tools/make_ridge_fixture.py", "cases": cases}, f)


if __name__ == "__main__":
    main()
