#!/usr/bin/env python3
"""Write tests/fixtures/python_lime_weights.json: the sample weights Python
lime 0.2.0.1 itself gives perturbation rows that keep 0..K of K superpixels
(its explainer's kernel_fn on sklearn's cosine distance to the original row,
as lime_image.explain_instance computes them).

Needs lime==0.2.0.1 and scikit-learn (bench/lime_vs_python.sh's venv has them):
    target/bench-venv/bin/python tools/make_lime_kernel_fixture.py
"""
import json

import numpy as np
import sklearn.metrics
from lime import lime_image

explainer = lime_image.LimeImageExplainer()
cases = []
for k in (4, 10, 35):
    data = np.zeros((k + 1, k))
    for kept in range(k + 1):
        data[kept, :kept] = 1
    data = np.vstack([np.ones((1, k)), data])  # row 0: the original face
    distances = sklearn.metrics.pairwise_distances(data, data[0].reshape(1, -1), metric="cosine").ravel()
    weights = explainer.base.kernel_fn(distances)[1:]
    cases.append({"k": k, "weights": [float(w) for w in weights]})
with open("tests/fixtures/python_lime_weights.json", "w") as f:
    json.dump({"generator": "tools/make_lime_kernel_fixture.py", "lime": "0.2.0.1", "cases": cases}, f, indent=1)
