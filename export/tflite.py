"""TFLite exporters: full-integer int8 and float32, through a SavedModel.

Keras 3 models go through ``model.export`` (a TF SavedModel); converting a
``tf.function`` that captures Keras 3 variables fails int8 calibration here
(READ_VARIABLE), and the SavedModel route is what TF documents.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from edgequant.export.artifact import Artifact, ExportSource
from edgequant.runtime.formats import FORMATS
from edgequant.runtime.fsutil import atomic_write_bytes


def _saved_model(source: ExportSource, folder: str) -> str:
    path = str(Path(folder) / "saved_model")
    source.model.export(path, verbose=False)
    return path


def _convert(source: ExportSource, *, calibration: np.ndarray | None) -> bytes:
    import tensorflow as tf

    with tempfile.TemporaryDirectory(prefix="edgequant-savedmodel-") as folder:
        converter = tf.lite.TFLiteConverter.from_saved_model(_saved_model(source, folder))
        if calibration is not None:
            def representative() -> Iterator[list[np.ndarray]]:
                for sample in calibration:
                    yield [sample[None].astype(np.float32)]

            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            # uint8 images go straight in: the input quantization (1/255, 0) is the preprocessing.
            converter.inference_input_type = tf.uint8 if source.raw_dtype == "uint8" else tf.int8
            converter.inference_output_type = tf.int8
        return converter.convert()


def export_int8(source: ExportSource, out_dir: Path, *, calibration: np.ndarray) -> Artifact:
    """Full-integer TFLite (TFLITE_BUILTINS_INT8), int8 output, calibrated on ``calibration``."""
    path = atomic_write_bytes(out_dir / FORMATS["int8"].file, _convert(source, calibration=calibration))
    return Artifact("int8", path, source.head, source.runtime_activation,
                    {"calibration_samples": int(len(calibration))})


def export_f32(source: ExportSource, out_dir: Path, *, calibration: np.ndarray | None = None) -> Artifact:
    """Float32 TFLite of the same graph (calibration unused; same signature as the others)."""
    path = atomic_write_bytes(out_dir / FORMATS["f32"].file, _convert(source, calibration=None))
    return Artifact("f32", path, source.head, source.runtime_activation)
