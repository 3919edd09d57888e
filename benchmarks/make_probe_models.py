"""Regenerate the two tiny models ``edgequant doctor`` runs on each backend (committed under runtime/probe/).

    python -m edgequant.benchmarks.make_probe_models

Both compute y = 2x + 1 on a (1, 4) float32 input, so doctor can check the answer, not just the load.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PROBE_DIR = Path(__file__).resolve().parents[1] / "runtime" / "probe"


def tiny_tflite() -> bytes:
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
    def affine(x: tf.Tensor) -> tf.Tensor:
        return x * 2.0 + 1.0

    return tf.lite.TFLiteConverter.from_concrete_functions([affine.get_concrete_function()], affine).convert()


def tiny_onnx() -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    two = numpy_helper.from_array(np.array([2.0], np.float32), "two")
    one = numpy_helper.from_array(np.array([1.0], np.float32), "one")
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["t"]), helper.make_node("Add", ["t", "one"], ["y"])], "affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [two, one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every onnxruntime a Pi can install
    return model.SerializeToString()


def main() -> None:
    PROBE_DIR.mkdir(parents=True, exist_ok=True)
    (PROBE_DIR / "tiny.tflite").write_bytes(tiny_tflite())
    (PROBE_DIR / "tiny.onnx").write_bytes(tiny_onnx())
    print(f"wrote {PROBE_DIR}/tiny.tflite and tiny.onnx")


if __name__ == "__main__":
    main()
