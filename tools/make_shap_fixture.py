"""Python shap's KernelExplainer on a known function of M binary features,
for tests/methods.rs (emotui's KernelSHAP must match it within 1e-3).

The function is nonlinear (interactions), so the Shapley values are not its
coefficients. Two cases, explaining x = ones against a zeros background:
- "enumerated": M = 10, nsamples = 2^10 - 2: shap evaluates every coalition,
  so its values are the exact Shapley values;
- "sampled": M = 16, nsamples = 600, l1_reg = 0: shap's own coalitions,
  kernel weights and outputs are saved with its answer, so that emotui's
  solver can be run on the same masks.

Run from the repository root (needs `pip install shap==0.51.0`):
    python3 tools/make_shap_fixture.py > tests/fixtures/shap_kernel.json
"""
import json
import math

import numpy as np
import shap


def model(m):
    rng = np.random.default_rng(7)
    a = rng.normal(0, 1, m)

    def f(z):
        z = np.asarray(z, dtype=float)
        s = z @ a + 1.5 * z[:, 0] * z[:, 1] - 2.0 * z[:, 2] * z[:, 3] * z[:, 4] - 0.5
        return 1.0 / (1.0 + np.exp(-s))

    return a, f


out = {"shap_version": shap.__version__}
for name, m, nsamples in [("enumerated", 10, 2**10 - 2), ("sampled", 16, 600)]:
    a, f = model(m)
    np.random.seed(0)
    e = shap.KernelExplainer(f, np.zeros((1, m)))
    phi = e.shap_values(np.ones((1, m)), nsamples=nsamples, l1_reg=0, silent=True)
    case = {
        "m": m,
        "coefficients": a.tolist(),
        "fnull": float(np.asarray(e.fnull).reshape(-1)[0]),
        "fx": float(f(np.ones((1, m)))[0]),
        "phi": np.asarray(phi).reshape(-1).tolist(),
    }
    if name == "sampled":
        case["masks"] = e.maskMatrix.astype(int).tolist()
        case["weights"] = e.kernelWeights.tolist()
        case["ey"] = np.asarray(e.ey).reshape(-1).tolist()
    out[name] = case
print(json.dumps(out))
