"""Check a model file's bytes before any native code sees them.

LiteRT's file route skips the FlatBuffer verifier and malformed files have
crashed it; ORT follows ONNX external-data paths. So we read the bytes
ourselves, check size, sha256 and magic, and hand native code only bytes.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

from edgequant.runtime.errors import IntegrityError, ModelFileError

MIN_TFLITE_BYTES = 64          # smaller cannot hold a flatbuffer header, tables and one subgraph
MAX_MODEL_BYTES = 512 * 1024 * 1024
TFLITE_MAGIC = b"TFL3"        # file identifier at offset 4


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_regular_file(path: Path) -> bytes:
    """Read a regular, non-symlink file of sane size, with typed errors for everything else."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise ModelFileError(f"model file {path} is missing", expected="the file the manifest lists",
                             got="no such file", fix="re-export or re-download the bundle") from None
    if stat.S_ISLNK(info.st_mode):
        raise ModelFileError(f"model file {path} is a symlink", expected="a regular file inside the bundle",
                             got="a symlink", fix="copy the real file into the bundle")
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(f"model file {path} is not a regular file", expected="a regular file",
                             got="a directory or device", fix="re-export the bundle")
    if info.st_size > MAX_MODEL_BYTES:
        raise ModelFileError(f"model file {path} is too large", expected=f"<= {MAX_MODEL_BYTES} bytes",
                             got=f"{info.st_size} bytes")
    try:
        return path.read_bytes()
    except PermissionError:
        raise ModelFileError(f"model file {path} is not readable", expected="read permission",
                             got="permission denied", fix=f"chmod +r {path}") from None


def check_tflite(data: bytes, path: Path) -> None:
    if len(data) < MIN_TFLITE_BYTES:
        raise ModelFileError(f"{path} is not a TFLite model", expected=f">= {MIN_TFLITE_BYTES} bytes",
                             got=f"{len(data)} bytes", fix="re-export the bundle")
    if data[4:8] != TFLITE_MAGIC:
        raise ModelFileError(f"{path} is not a TFLite model", expected="'TFL3' at byte 4",
                             got=repr(data[4:8]), fix="check the file; is it an ONNX file renamed?")
    root = int.from_bytes(data[:4], "little")
    if not 8 <= root < len(data) - 4:  # the root table offset must point inside the buffer
        raise ModelFileError(f"{path} has a corrupt FlatBuffer header", expected=f"root offset < {len(data)}",
                             got=str(root), fix="re-export the bundle")


def check_onnx(data: bytes, path: Path, *, strict: bool = False) -> list[str]:
    """Parse check (and onnx.checker when ``strict``); returns the external-data locations."""
    from edgequant.runtime import onnxcheck

    return onnxcheck.check_model_bytes(data, path, strict=strict)


def load_artifact_bytes(path: Path, artifact: dict[str, Any], kind: str, *, verify_hash: bool = True,
                        strict: bool = False) -> tuple[bytes, list[str]]:
    """Read an artifact, check its size, hash and format; return the bytes for the backend and, for ONNX,
    the external-data locations it names (checked by ``check_external_data``)."""
    data = read_regular_file(path)
    if verify_hash:
        if len(data) != artifact["bytes"]:
            raise IntegrityError(f"{path} has the wrong size", expected=f"{artifact['bytes']} bytes (manifest)",
                                 got=f"{len(data)} bytes", fix="re-export or re-download the bundle")
        digest = sha256_bytes(data)
        if digest != artifact["sha256"]:
            raise IntegrityError(f"{path} fails its checksum", expected=f"sha256 {artifact['sha256'][:16]}…",
                                 got=f"sha256 {digest[:16]}…", fix="the file was modified or corrupted; "
                                 "re-export or re-download the bundle")
    if kind == "tflite":
        check_tflite(data, path)
        return data, []
    return data, check_onnx(data, path, strict=strict)


def check_external_data(locations: list[str], bundle_dir: Path, artifact: dict[str, Any]) -> None:
    """ONNX external data must be plain files inside the bundle that the manifest lists."""
    listed = set(artifact.get("external_data", []))
    for location in locations:
        candidate = bundle_dir / location
        problem = None
        if os.path.isabs(location) or location.startswith(("/", "\\")):
            problem = "an absolute path"
        elif ".." in Path(location).parts or "\\" in location:
            problem = "a path outside the bundle"
        elif location not in listed:
            problem = "a file the manifest does not list"
        elif candidate.is_symlink():
            problem = "a symlink"
        elif not candidate.is_file():
            problem = "a missing file"
        if problem:
            raise ModelFileError("ONNX external data refused", expected="a listed file inside the bundle",
                                 got=f"{location!r}: {problem}", fix="do not load this model; re-export it")
