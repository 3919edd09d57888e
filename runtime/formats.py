"""The one table of artifact formats and backends. CLI choices, validation and "did you mean" read it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from edgequant.runtime.errors import FormatError


@dataclass(frozen=True)
class Format:
    name: str          # what users type: --format int8
    file: str          # file name inside a bundle
    kind: str          # "tflite" or "onnx": decides which backends can run it
    quantized: bool
    description: str


@dataclass(frozen=True)
class Backend:
    name: str
    kind: str          # the artifact kind it runs
    modules: tuple[str, ...]  # import candidates, in order of preference
    pip: str           # what to install when none imports


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("int8", "model.int8.tflite", "tflite", True, "full-integer int8 TFLite"),
    Format("f32", "model.f32.tflite", "tflite", False, "float32 TFLite"),
    Format("onnx", "model.onnx", "onnx", False, "float32 ONNX"),
    Format("onnx-int8", "model.int8.onnx", "onnx", True, "int8 ONNX (QDQ, per-channel)"),
)}

# LiteRT first; tflite_runtime 2.14 breaks under numpy 2 so it is only a fallback; TF is the last resort.
BACKENDS: dict[str, Backend] = {b.name: b for b in (
    Backend("litert", "tflite", ("ai_edge_litert.interpreter", "tflite_runtime.interpreter",
                                 "tensorflow.lite"), "pip install ai-edge-litert"),
    Backend("ai-edge-litert", "tflite", ("ai_edge_litert.interpreter",), "pip install ai-edge-litert"),
    Backend("tflite-runtime", "tflite", ("tflite_runtime.interpreter",), "pip install tflite-runtime"),
    Backend("tensorflow", "tflite", ("tensorflow.lite",), "pip install tensorflow-cpu"),
    Backend("onnxruntime", "onnx", ("onnxruntime",), "pip install onnxruntime"),
)}
DEFAULT_BACKEND = {"tflite": "litert", "onnx": "onnxruntime"}


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(choices)}"


def resolve_format(name: str) -> Format:
    """Look a format up by name, raising FormatError with a suggestion."""
    if name in FORMATS:
        return FORMATS[name]
    raise FormatError(f"unknown format '{name}'", expected=" | ".join(FORMATS), got=repr(name),
                      fix=_did_you_mean(name, list(FORMATS)))


def resolve_backend(name: str | None, fmt: Format) -> Backend:
    """The backend for ``fmt``: the default for its kind, or a checked override."""
    if name is None:
        return BACKENDS[DEFAULT_BACKEND[fmt.kind]]
    if name not in BACKENDS:
        raise FormatError(f"unknown backend '{name}'", expected=" | ".join(BACKENDS), got=repr(name),
                          fix=_did_you_mean(name, list(BACKENDS)))
    backend = BACKENDS[name]
    if backend.kind != fmt.kind:
        usable = [b for b, spec in BACKENDS.items() if spec.kind == fmt.kind]
        raise FormatError(f"backend '{name}' cannot run {fmt.description} files",
                          expected=" | ".join(usable), got=repr(name),
                          fix=f"drop --backend, or pick one of: {', '.join(usable)}")
    return backend
