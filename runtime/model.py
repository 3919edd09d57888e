"""``load(bundle)`` -> ``Model``: the embeddable API. Raw input in, probabilities out."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from edgequant.runtime import adapters, backends, modelfile, onnxcheck, validation
from edgequant.runtime.errors import ManifestError, ModelFileError
from edgequant.runtime.formats import Format, resolve_backend, resolve_format
from edgequant.runtime.manifest import Manifest, load_manifest
from edgequant.runtime.runners import make_runner

_UINT8 = np.dtype(np.uint8)  # builtin dtypes are singletons: `is` is the cheapest exact check
_FLOAT32 = np.dtype(np.float32)


class Model:
    """One artifact of a bundle, ready to run. Safe to share between threads."""

    def __init__(self, manifest: Manifest, fmt: Format, *, backend: str | None = None,
                 threads: int | None = None, verify: bool = True, strict: bool = False) -> None:
        self.manifest = manifest
        self.format = fmt
        self.artifact = manifest.artifact(fmt.name)
        spec = resolve_backend(backend, fmt)
        self.backend_module_name, module = backends.import_backend(spec)
        self.backend = spec.name
        self.backend_version = backends.backend_version(self.backend_module_name, module)
        path = manifest.path_of(fmt.name)
        data, locations = modelfile.load_artifact_bytes(path, self.artifact, fmt.kind, verify_hash=verify,
                                                        strict=strict)
        source: bytes | str = data
        if locations:  # ORT resolves external data relative to the file, so load by path
            modelfile.check_external_data(locations, manifest.bundle_dir, self.artifact)
            source = str(path)
        self.size_bytes = len(data)
        self.threads = threads
        try:
            self._runner = make_runner(fmt.kind, module, source, threads)
        except Exception as exc:  # the backend's own verifier said no: a typed error, not its traceback
            raise ModelFileError(f"{self.backend_module_name} rejected {path}", expected="a model it can load",
                                 got=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}",
                                 fix="re-export or re-download the bundle") from None
        self.ops = self._runner.ops or (onnxcheck.op_types(data) if fmt.kind == "onnx" else [])
        inp = manifest.input
        self.labels: list[str] = list(manifest.labels)
        self.raw_shape = tuple(int(d) for d in inp["raw_shape"])
        self.raw_dtype = str(inp["raw_dtype"])
        tensor_shape = tuple(int(d) for d in inp["tensor_shape"])
        self._batched_tensor_shape = (-1, *tensor_shape) if tensor_shape != self.raw_shape else None
        self._one_shape = (1, *tensor_shape)
        self._float_limit = np.inf
        if self.raw_dtype == "float32":
            limit = self._float_limit = validation.safe_float_limit(manifest.preprocessing)
            self._check_dtype = lambda arr: validation.check_float(arr, limit)
        else:
            self._check_dtype = validation.DTYPE_CHECKS[self.raw_dtype]
        # The one raw dtype a single sample may arrive in to skip the general checks.
        self._fast_dtype = {"uint8": _UINT8, "float32": _FLOAT32}.get(self.raw_dtype)
        runner_in, runner_out = self._runner.input, self._runner.output
        if runner_out.shape[-1] != len(self.labels):
            raise ManifestError("labels do not match the model output", expected=f"{runner_out.shape[-1]} labels",
                                got=f"{len(self.labels)}", fix="re-export the bundle")
        self._adapt_in = adapters.input_adapter(manifest.preprocessing, self.raw_dtype, runner_in)
        self._adapt_out, self._adapt_out_one = adapters.output_adapters(self.artifact["output"]["activation"],
                                                                        runner_out)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def input_info(self) -> backends.TensorInfo:
        return self._runner.input

    @property
    def output_info(self) -> backends.TensorInfo:
        return self._runner.output

    def _batch(self, x: Any) -> tuple[np.ndarray, bool]:
        arr = validation.as_array(x)
        single = validation.check_shape(arr, self.raw_shape)
        arr = self._check_dtype(arr)
        return (arr[None] if single else arr), single

    def predict(self, x: Any) -> np.ndarray:
        """Probabilities: shape (C,) for one raw sample, (N, C) for a batch."""
        if type(x) is np.ndarray and x.dtype is self._fast_dtype and x.shape == self.raw_shape and (
                x.dtype is _UINT8 or -self._float_limit <= x.min() and x.max() <= self._float_limit):
            # Hot path for one sample: a uint8 image is valid by construction; for floats, NaN
            # propagates through min/max and fails the range test, so one test rules out NaN, Inf
            # and overflow. Anything that fails it takes the general path and its precise error.
            tensor = x.reshape(self._one_shape)
            if self._adapt_in is not None:
                tensor = self._adapt_in(tensor)
            return self._adapt_out_one(self._runner.run_one(tensor))
        batch, single = self._batch(x)
        probs = self._adapt_out(self._run_batch(batch))
        return probs[0] if single else probs

    def raw_output(self, x: Any) -> np.ndarray:
        """The backend's output before dequantization and activation (int8 codes for int8 TFLite), (N, C).

        For bit-exact comparisons across machines; ``predict`` is what applications want.
        """
        return self._run_batch(self._batch(x)[0])

    def _run_batch(self, batch: np.ndarray) -> np.ndarray:
        """A validated raw batch through input adapter, backend (chunked) and nothing else."""
        tensor = batch if self._adapt_in is None else self._adapt_in(batch)
        if self._batched_tensor_shape is not None:
            tensor = tensor.reshape(self._batched_tensor_shape)
        return self._runner.run(tensor)

    def classify(self, x: Any) -> str | list[str]:
        """Label names: one for a single sample, a list for a batch."""
        probs = self.predict(x)
        if probs.ndim == 1:
            return self.labels[int(np.argmax(probs))]
        return [self.labels[i] for i in np.argmax(probs, axis=1)]

    def __repr__(self) -> str:
        return (f"Model({self.name!r}, format={self.format.name!r}, backend={self.backend!r}, "
                f"threads={self.threads})")


def load(bundle_dir: str | os.PathLike, *, format: str = "int8", backend: str | None = None,
         threads: int | None = None, verify: bool = True, isolate: bool = False, strict: bool = False) -> Model:
    """Load one artifact of a bundle.

    format: int8 | f32 | onnx | onnx-int8. backend: None picks the artifact's default.
    verify: check the sha256 against the manifest. isolate: first load and run it in a
    child process, so a native crash on a hostile file becomes an error here. strict: also
    run onnx.checker on ONNX files when the ``onnx`` package is installed (slow to import).
    """
    manifest = load_manifest(bundle_dir)
    fmt = resolve_format(format)
    if isolate:
        from edgequant.runtime.isolation import probe_in_child

        probe_in_child(bundle_dir, format=fmt.name, backend=backend, verify=verify)
        strict = True
    return Model(manifest, fmt, backend=backend, threads=threads, verify=verify, strict=strict)
