"""Weight-only int8 quantisation of an ONNX graph (per-channel symmetric int8 + DequantizeLinear).

Why not ``onnxruntime.quantization.quantize_dynamic``: it quantises *activations* per tensor at
run time, so a window's logits depend on the other windows padded into the same batch — the
same note could be de-identified differently under another Spark partitioning. Weight-only
int8 keeps activations in float: results are batch-independent and closer to fp32, and the
file is still about a quarter of fp32.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

MIN_ELEMENTS = 4096  # small tensors (biases, LayerNorm) stay float


def _quantize(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel int8 along ``axis`` (the axis that keeps its own scale)."""
    reduce = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.abs(w).max(axis=reduce)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def quantize_weights_int8(src: Path, dst: Path) -> dict[str, int]:
    """Replace float initializers feeding MatMul (input 1, per output column) and Gather
    (input 0, per row: the embedding tables) by int8 + DequantizeLinear. Returns counts."""
    model = onnx.load(str(src))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    axis_of: dict[str, int] = {}
    for node in graph.node:
        if node.op_type == "MatMul" and len(node.input) > 1 and node.input[1] in inits:
            axis_of.setdefault(node.input[1], 1)
        elif node.op_type == "Gather" and node.input[0] in inits:
            axis_of.setdefault(node.input[0], 0)
    counts = {"matmul": 0, "gather": 0}
    new_nodes = []
    for name, axis in axis_of.items():
        t = inits[name]
        if t.data_type != onnx.TensorProto.FLOAT:
            continue
        w = numpy_helper.to_array(t)
        if w.ndim != 2 or w.size < MIN_ELEMENTS:
            continue
        q, scale = _quantize(w, axis)
        graph.initializer.remove(t)
        graph.initializer.extend([
            numpy_helper.from_array(q, f"{name}_q"),
            numpy_helper.from_array(scale, f"{name}_scale"),
            numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zp"),
        ])
        new_nodes.append(helper.make_node(
            "DequantizeLinear", [f"{name}_q", f"{name}_scale", f"{name}_zp"], [name],
            name=f"{name}_dequant", axis=axis,
        ))
        counts["matmul" if axis == 1 else "gather"] += 1
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(new_nodes + nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return counts
