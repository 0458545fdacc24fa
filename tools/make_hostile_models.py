"""Tiny ONNX models that misbehave, for the hostile-input corpus.

Each takes the bundled model's input (1x64x64x1 float, NHWC) and returns a
constant row (times a reduction of the input, so that the input is used):
NaN, infinity, negative "probabilities", logits without a softmax, the wrong
number of outputs, or expects another input size. Run from the repository
root (needs `pip install onnx`):

    python3 tools/make_hostile_models.py

Writes tests/hostile/models/<name>.onnx and its card <name>.toml.
"""
import math
import pathlib

import onnx
from onnx import TensorProto, helper

OUT = pathlib.Path("tests/hostile/models")
CARD = pathlib.Path("models/emotion_fer_minixception.toml").read_text()


def model(row, side=64):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, side, side, 1])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, len(row)])
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["m"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["m", "shape"], ["m2"]),
        helper.make_node("Mul", ["m2", "zeros"], ["z"]),
        helper.make_node("Add", ["z", "row"], ["output"]),
    ]
    inits = [
        helper.make_tensor("shape", TensorProto.INT64, [2], [1, 1]),
        helper.make_tensor("zeros", TensorProto.FLOAT, [1, len(row)], [0.0] * len(row)),
        helper.make_tensor("row", TensorProto.FLOAT, [1, len(row)], row),
    ]
    graph = helper.make_graph(nodes, "hostile", [x], [y], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="emotui tools/make_hostile_models.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def softmax(v):
    e = [math.exp(a) for a in v]
    return [a / sum(e) for a in e]


LOGITS = [2.0, 1.0, 0.0, 3.0, -1.0, 0.5, 1.0]
CASES = {
    "nan": ([math.nan] + softmax(LOGITS)[1:], 64, None),
    "inf": ([math.inf] + [0.0] * 6, 64, None),
    "negated": ([-p for p in softmax(LOGITS)], 64, None),
    "logits_as_probabilities": (LOGITS, 64, None),
    "five_outputs": (softmax(LOGITS[:5]), 64, None),
    "input_32": (softmax(LOGITS), 32, None),
}

OUT.mkdir(parents=True, exist_ok=True)
for name, (row, side, _) in CASES.items():
    onnx.save(model(row, side), OUT / f"{name}.onnx")
    (OUT / f"{name}.toml").write_text(CARD.replace(
        'name = "fer mini-XCEPTION (FER2013)"', f'name = "hostile: {name}"'))
    print(OUT / f"{name}.onnx")
