"""manifest.json: the contract between a bundle and every runtime that loads it.

The schema is documented in README ("Bundle manifest"). Validation here names
the field that is wrong, so a hand-edited or hostile manifest fails clearly.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgequant.runtime.errors import ManifestError
from edgequant.runtime.formats import FORMATS

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
ACTIVATIONS = ("none", "sigmoid", "softmax")


@dataclass(frozen=True)
class Manifest:
    """A validated manifest and the folder it came from."""

    bundle_dir: Path
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def labels(self) -> list[str]:
        return self.data["labels"]

    @property
    def input(self) -> dict[str, Any]:
        return self.data["input"]

    @property
    def preprocessing(self) -> dict[str, Any]:
        return self.data["preprocessing"]

    @property
    def artifacts(self) -> dict[str, dict[str, Any]]:
        return self.data["artifacts"]

    def artifact(self, fmt: str) -> dict[str, Any]:
        if fmt not in self.artifacts:
            raise ManifestError(f"bundle '{self.name}' has no '{fmt}' artifact",
                                expected=" | ".join(self.artifacts), got=repr(fmt),
                                fix="pick a format the bundle lists (edgequant info BUNDLE)")
        return self.artifacts[fmt]

    def path_of(self, fmt: str) -> Path:
        return self.bundle_dir / self.artifact(fmt)["file"]


def _require(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise ManifestError(f"manifest field '{where}{key}' is missing", expected=f"a {_kind_name(kind)}",
                            got="nothing", fix="re-export the bundle with `edgequant export`")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ManifestError(f"manifest field '{where}{key}' has the wrong type",
                            expected=f"a {_kind_name(kind)}", got=type(value).__name__,
                            fix="re-export the bundle with `edgequant export`")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def safe_file_name(name: str, field: str) -> str:
    """A bundle file name must be a plain name inside the bundle: no folders, no '..', not absolute."""
    if (not name or os.path.isabs(name) or "/" in name or "\\" in name or name in (".", "..")
            or "\x00" in name):
        raise ManifestError(f"manifest field '{field}' is not a plain file name inside the bundle",
                            expected="a name like model.int8.tflite", got=repr(name),
                            fix="do not load this bundle; re-export it")
    return name


def _check_quant(q: Any, field: str) -> None:
    if q is None:
        return
    scale = _require(q, "scale", (int, float), field + ".")
    _require(q, "zero_point", int, field + ".")
    if not math.isfinite(scale) or scale <= 0:
        raise ManifestError(f"manifest field '{field}.scale' is not a positive number",
                            expected="> 0", got=repr(scale), fix="re-export the bundle")


def validate(data: Any) -> None:
    """Raise ManifestError naming the first field that breaks the schema."""
    if not isinstance(data, dict):
        raise ManifestError("manifest is not a JSON object", expected="{...}", got=type(data).__name__)
    version = _require(data, "schema_version", int, "")
    if version != SCHEMA_VERSION:
        raise ManifestError("manifest field 'schema_version' is not supported",
                            expected=str(SCHEMA_VERSION), got=str(version),
                            fix="upgrade edgequant or re-export the bundle with this version")
    _require(data, "name", str, "")
    labels = _require(data, "labels", list, "")
    inp = _require(data, "input", dict, "")
    _require(inp, "raw_shape", list, "input.")
    _require(inp, "raw_dtype", str, "input.")
    _require(inp, "tensor_shape", list, "input.")
    pre = _require(data, "preprocessing", dict, "")
    if _require(pre, "kind", str, "preprocessing.") not in ("scale", "standardize"):
        raise ManifestError("manifest field 'preprocessing.kind' is unknown",
                            expected="scale | standardize", got=repr(pre["kind"]))
    artifacts = _require(data, "artifacts", dict, "")
    if not artifacts:
        raise ManifestError("manifest field 'artifacts' is empty", expected="at least one artifact",
                            got="{}", fix="re-export the bundle")
    for fmt, art in artifacts.items():
        where = f"artifacts.{fmt}."
        if fmt not in FORMATS:
            raise ManifestError(f"manifest field 'artifacts.{fmt}' names an unknown format",
                                expected=" | ".join(FORMATS), got=repr(fmt))
        safe_file_name(_require(art, "file", str, where), where + "file")
        _require(art, "sha256", str, where)
        _require(art, "bytes", int, where)
        out = _require(art, "output", dict, where)
        if _require(out, "activation", str, where + "output.") not in ACTIVATIONS:
            raise ManifestError(f"manifest field '{where}output.activation' is unknown",
                                expected=" | ".join(ACTIVATIONS), got=repr(out["activation"]))
        n_out = _require(out, "shape", list, where + "output.")[-1]
        if n_out != len(labels):
            raise ManifestError(f"manifest field 'labels' does not match '{where}output.shape'",
                                expected=f"{n_out} labels (the output size)", got=f"{len(labels)} labels",
                                fix="re-export the bundle; labels and model disagree")
        _check_quant(_require(art, "input", dict, where).get("quantization"), where + "input.quantization")
        _check_quant(out.get("quantization"), where + "output.quantization")


def load_manifest(bundle_dir: str | os.PathLike) -> Manifest:
    """Read and validate ``bundle_dir/manifest.json``."""
    bundle = Path(bundle_dir)
    if not bundle.exists():
        raise ManifestError(f"bundle folder {bundle} does not exist", expected="a bundle directory",
                            got="no such path", fix="check the path, or run `edgequant export` first")
    if not bundle.is_dir():
        raise ManifestError(f"{bundle} is not a bundle folder", expected="a directory holding manifest.json",
                            got="a file", fix="pass the bundle directory, e.g. models/mnist")
    path = bundle / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{path} is missing", expected="manifest.json (written last by export)",
                            got="an incomplete bundle", fix="re-run `edgequant export` for this model")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ManifestError(f"{path} is too large", expected=f"<= {MAX_MANIFEST_BYTES} bytes",
                            got=f"{path.stat().st_size} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path} is not valid JSON", expected="a JSON object", got=str(exc),
                            fix="re-export the bundle") from None
    validate(data)
    return Manifest(bundle, data)
