"""ONNX Runtime's answers for the bundled face models on a fixed input, for
tests/face_models.rs (tract must match them within 5e-4).

The input is x[i] = sin(0.01 i) over each model's NHWC tensor; the fixture
keeps each output's shape, its first 64 values and its sum. Run from the
repository root (needs `pip install onnxruntime==1.31.1 numpy`):
    python3 tools/make_face_models_fixture.py
"""
import json

import numpy as np
import onnxruntime as ort

out = {}
for name, size in [("face_detection_short_range", 128), ("face_detection_full_range", 192),
                   ("face_landmark", 192)]:
    n = size * size * 3
    x = np.sin(np.arange(n, dtype=np.float64) * 0.01).astype(np.float32).reshape(1, size, size, 3)
    s = ort.InferenceSession(f"models/face/{name}.onnx", providers=["CPUExecutionProvider"])
    outputs = s.run(None, {s.get_inputs()[0].name: x})
    out[name] = {
        "input": s.get_inputs()[0].name,
        "outputs": [
            {
                "name": meta.name,
                "shape": list(v.shape),
                "first": [float(a) for a in v.reshape(-1)[:64]],
                "sum": float(v.reshape(-1).astype(np.float64).sum()),
            }
            for meta, v in zip(s.get_outputs(), outputs)
        ],
    }
json.dump({"input": "x[i] = sin(0.01 i), i over the NHWC tensor in row-major order",
           "onnxruntime": ort.__version__, "models": out},
          open("tests/fixtures/face_models_ort.json", "w"))
