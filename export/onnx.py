"""Float ONNX through tf2onnx (``from_function``: ``from_keras`` fails on Keras 3), opset 17."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgequant.export.artifact import Artifact, ExportSource
from edgequant.runtime.errors import ExportError
from edgequant.runtime.formats import FORMATS
from edgequant.runtime.fsutil import atomic_write_bytes

OPSET = 17
INPUT_NAME = "input"


def onnx_bytes(source: ExportSource) -> bytes:
    """Serialized, checker-validated float ONNX for ``source``."""
    import onnx
    import tensorflow as tf
    import tf2onnx

    signature = [tf.TensorSpec([None, *source.tensor_shape], tf.float32, name=INPUT_NAME)]
    model = source.model

    @tf.function(input_signature=signature)
    def serve(x: tf.Tensor) -> tf.Tensor:
        return model(x, training=False)

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=signature, opset=OPSET)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as exc:
        raise ExportError("tf2onnx produced an invalid ONNX model", expected="a model passing onnx.checker",
                          got=str(exc).splitlines()[0], fix="report this model and the tf2onnx version") from None
    return proto.SerializeToString()


def export(source: ExportSource, out_dir: Path, *, calibration: np.ndarray | None = None) -> Artifact:
    """Float32 ONNX (calibration unused; same signature as the other exporters)."""
    path = atomic_write_bytes(out_dir / FORMATS["onnx"].file, onnx_bytes(source))
    return Artifact("onnx", path, source.head, source.runtime_activation, {"opset": OPSET})
