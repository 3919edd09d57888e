"""int8 ONNX: ONNX Runtime static quantization, QDQ format, per-channel weights."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.export.artifact import Artifact, ExportSource
from edgequant.export.onnx import INPUT_NAME, onnx_bytes
from edgequant.runtime.formats import FORMATS
from edgequant.runtime.fsutil import atomic_write_bytes


class _Calibration:
    """ORT's CalibrationDataReader protocol over an in-memory sample, one row at a time."""

    def __init__(self, samples: np.ndarray) -> None:
        self._rows = iter(samples.astype(np.float32))

    def get_next(self) -> dict[str, np.ndarray] | None:
        row = next(self._rows, None)
        return None if row is None else {INPUT_NAME: row[None]}

    def rewind(self) -> None:  # ORT >= 1.17 may call it; a fresh reader is made per export
        pass


def quantize(float_model: bytes, *, calibration: np.ndarray) -> bytes:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(_Calibration, CalibrationDataReader):
        pass

    with tempfile.TemporaryDirectory(prefix="edgequant-onnx-") as folder:
        src, pre, dst = (Path(folder) / n for n in ("float.onnx", "pre.onnx", "int8.onnx"))
        src.write_bytes(float_model)
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)  # fold + infer shapes first
        quantize_static(str(pre), str(dst), Reader(calibration), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
        return dst.read_bytes()


def input_quantization(model_bytes: bytes) -> dict[str, Any] | None:
    """Scale and zero point of the first activation QuantizeLinear (the input, after any reshape)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load_model_from_string(model_bytes)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear" and node.input[0] not in inits:
            return {"scale": float(inits[node.input[1]]), "zero_point": int(inits[node.input[2]])}
    return None


def export(source: ExportSource, out_dir: Path, *, calibration: np.ndarray) -> Artifact:
    """QDQ int8 ONNX of ``source``, calibrated on ``calibration`` (float tensors)."""
    data = quantize(onnx_bytes(source), calibration=calibration)
    path = atomic_write_bytes(out_dir / FORMATS["onnx-int8"].file, data)
    return Artifact("onnx-int8", path, source.head, source.runtime_activation,
                    {"calibration_samples": int(len(calibration)), "quant_format": "QDQ",
                     "per_channel": True, "input_quantization": input_quantization(data)})
