"""Tiny ONNX models that misbehave, for the hostile-input corpus.

Each takes the bundled model's input (1x64x64x1 float, NHWC) and returns a
constant row (times a reduction of the input, so that the input is used):
NaN, infinity, negative "probabilities", logits without a softmax, the wrong
number of outputs, or expects another input size. Run from the repository
root (needs `pip install onnx`):

    python3 tools/make_hostile_models.py

Writes tests/hostile/models/<name>.onnx and its card <name>.toml. Beside
those: a model that answers NaN only for dark faces (it passes the load
check on grey test images), one with two inputs, one with a float64 output,
one whose input size is free (its card asks for 60000x60000), and one whose
weights are in an external file (the test makes that file a FIFO).
"""
import math
import pathlib

import onnx
from onnx import TensorProto, helper, numpy_helper

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



def variant(row, *, dark_nan=False, second_input=False, out_type=TensorProto.FLOAT,
            free_size=False):
    """`model(row)` with one twist."""
    # A free batch size, so that ONNX Runtime runs batches of several faces.
    dims = ["n", "h", "w", 1] if free_size else ["n", 64, 64, 1]
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)]
    if second_input:
        inputs.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, [1, 1]))
    y = helper.make_tensor_value_info("output", out_type, ["n", len(row)])
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["m"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["m", "rows"], ["m2"]),
    ]
    if dark_nan:
        # 0 * log(mean + 0.5): 0 for the grey test images (mean near 0 in
        # [-1, 1]), NaN for a face darker than a quarter of full scale.
        nodes += [
            helper.make_node("Add", ["m2", "half"], ["shifted"]),
            helper.make_node("Log", ["shifted"], ["logged"]),
            helper.make_node("Mul", ["logged", "zeros"], ["z"]),
        ]
    else:
        nodes.append(helper.make_node("Mul", ["m2", "zeros"], ["z"]))
    if second_input:
        nodes.append(helper.make_node("Mul", ["z", "extra"], ["z2"]))
    last = "z2" if second_input else "z"
    if out_type == TensorProto.FLOAT:
        nodes.append(helper.make_node("Add", [last, "row"], ["output"]))
    else:
        nodes += [
            helper.make_node("Add", [last, "row"], ["sum"]),
            helper.make_node("Cast", ["sum"], ["output"], to=out_type),
        ]
    inits = [
        helper.make_tensor("shape", TensorProto.INT64, [2], [1, 1]),
        helper.make_tensor("zeros", TensorProto.FLOAT, [1, len(row)], [0.0] * len(row)),
        helper.make_tensor("row", TensorProto.FLOAT, [1, len(row)], row),
        helper.make_tensor("half", TensorProto.FLOAT, [1, 1], [0.5]),
        helper.make_tensor("rows", TensorProto.INT64, [2], [-1, 1]),
    ]
    graph = helper.make_graph(nodes, "hostile", inputs, [y], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="emotui tools/make_hostile_models.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def card(name, text=CARD):
    return text.replace('name = "fer mini-XCEPTION (FER2013)"', f'name = "hostile: {name}"')


OUT.mkdir(parents=True, exist_ok=True)
for name, (row, side, _) in CASES.items():
    onnx.save(model(row, side), OUT / f"{name}.onnx")
    (OUT / f"{name}.toml").write_text(card(name))
    print(OUT / f"{name}.onnx")

ROW = softmax(LOGITS)
VARIANTS = {
    "nan_on_dark": (variant(ROW, dark_nan=True), CARD),
    "two_inputs": (variant(ROW, second_input=True), CARD),
    "float64_output": (variant(ROW, out_type=TensorProto.DOUBLE), CARD),
    # Not hostile: a baseline that answers happy for every face, a second
    # model for `eval --compare-model`.
    "constant_happy": (variant(ROW), CARD),
    "free_size": (variant(ROW, free_size=True),
                  CARD.replace("width = 64", "width = 60000").replace("height = 64", "height = 60000")),
}
for name, (m, text) in VARIANTS.items():
    onnx.save(m, OUT / f"{name}.onnx")
    (OUT / f"{name}.toml").write_text(card(name, text))
    print(OUT / f"{name}.onnx")

# Weights in an external file: the test puts a FIFO where the file should be.
external = model(ROW)
for i, t in enumerate(external.graph.initializer):
    # Only raw tensors go to external files.
    external.graph.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t), t.name))
onnx.save(external, OUT / "external.onnx", save_as_external_data=True,
          all_tensors_to_one_file=True, location="external.weights", size_threshold=0)
(OUT / "external.weights").unlink()
(OUT / "external.toml").write_text(card("external"))
print(OUT / "external.onnx")
