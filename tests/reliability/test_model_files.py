"""Hostile and damaged model files: a typed error every time, never a crash.

Every load runs in a fresh subprocess, so a native crash fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reliability.hostile import rewrite_artifact

LOAD = """
import json, sys
import numpy as np
from edgequant.runtime import load
from edgequant.runtime.errors import EdgequantError
try:
    load(sys.argv[1], format=sys.argv[2], verify=sys.argv[3] == "1").predict(np.zeros((28, 28), "uint8"))
    print(json.dumps({"ok": True}))
except EdgequantError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": exc.one_line()}))
"""


def load_in_child(bundle: Path, fmt: str, *, verify: bool) -> dict:
    proc = subprocess.run([sys.executable, "-c", LOAD, str(bundle), fmt, "1" if verify else "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"child died with {proc.returncode}: {proc.stderr[-500:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def damaged(original: bytes) -> dict[str, bytes]:
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x40
    return {
        "empty": b"",
        "truncated-10%": original[: len(original) // 10],
        "truncated-50%": original[: len(original) // 2],
        "truncated-90%": original[: len(original) * 9 // 10],
        "byte-flipped": bytes(flipped),
        "tiny-tfl3": b"\x18\x00\x00\x00TFL3",
        "random": os.urandom(len(original)),
    }


def load_damaged(bundle: Path, fmt: str, case: str, *, update_manifest: bool) -> dict:
    """Damage the bundle's ``fmt`` artifact as ``case`` says, then load it in a child."""
    original = (bundle / ("model.int8.tflite" if fmt == "int8" else "model.int8.onnx")).read_bytes()
    rewrite_artifact(bundle, fmt, damaged(original)[case], update_manifest=update_manifest)
    return load_in_child(bundle, fmt, verify=True)


@pytest.mark.parametrize("fmt", ["int8", "onnx-int8"])
@pytest.mark.parametrize("case", list(damaged(b"0123456789")))
def test_damaged_file_with_honest_manifest_is_an_integrity_error(bundle_copy, fmt: str, case: str) -> None:
    result = load_damaged(bundle_copy(), fmt, case, update_manifest=False)
    assert result["error"] == "IntegrityError", result


@pytest.mark.parametrize("fmt", ["int8", "onnx-int8"])
@pytest.mark.parametrize("case", list(damaged(b"0123456789")))
def test_damaged_file_with_forged_manifest_never_crashes(bundle_copy, fmt: str, case: str) -> None:
    result = load_damaged(bundle_copy(), fmt, case, update_manifest=True)
    if case == "byte-flipped" and result.get("ok"):
        return  # a flipped weight byte can still be a valid model; what matters is no crash
    assert result.get("error") == "ModelFileError", result
    assert "expected" in result["message"] and "Fix:" in result["message"]


def test_tflite_renamed_to_onnx(bundle_copy) -> None:
    bundle = bundle_copy()
    tflite = (bundle / "model.int8.tflite").read_bytes()
    rewrite_artifact(bundle, "onnx-int8", tflite, update_manifest=True)
    result = load_in_child(bundle, "onnx-int8", verify=True)
    assert result["error"] == "ModelFileError" and "not an ONNX model" in result["message"]


def test_onnx_renamed_to_tflite(bundle_copy) -> None:
    bundle = bundle_copy()
    onnx = (bundle / "model.int8.onnx").read_bytes()
    rewrite_artifact(bundle, "int8", onnx, update_manifest=True)
    result = load_in_child(bundle, "int8", verify=True)
    assert result["error"] == "ModelFileError" and "TFL3" in result["message"]


def test_symlinked_model_file_is_refused(bundle_copy, tmp_path: Path) -> None:
    bundle = bundle_copy()
    real = tmp_path / "elsewhere.tflite"
    os.replace(bundle / "model.int8.tflite", real)
    (bundle / "model.int8.tflite").symlink_to(real)
    result = load_in_child(bundle, "int8", verify=True)
    assert result["error"] == "ModelFileError" and "symlink" in result["message"]


def test_isolated_mode_turns_a_native_crash_into_an_error(bundle_copy, monkeypatch: pytest.MonkeyPatch) -> None:
    from edgequant.runtime import load
    from edgequant.runtime.errors import IsolationError

    bundle = bundle_copy()
    load(bundle, isolate=True).predict(__import__("numpy").zeros((28, 28), "uint8"))  # a good model passes
    monkeypatch.setenv("EDGEQUANT_PROBE_FAULT", "SIGSEGV")  # the child dies as a native crash would
    with pytest.raises(IsolationError, match="SIGSEGV"):
        load(bundle, isolate=True)


def test_isolated_mode_reports_typed_child_errors(bundle_copy) -> None:
    from edgequant.runtime import load
    from edgequant.runtime.errors import IsolationError

    bundle = bundle_copy()
    rewrite_artifact(bundle, "int8", b"\x18\x00\x00\x00TFL3", update_manifest=True)
    with pytest.raises(IsolationError, match="not a TFLite model"):
        load(bundle, format="int8", isolate=True)


def test_cli_isolate_flag_one_line(bundle_copy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import numpy as np
    from typer.testing import CliRunner

    from edgequant.runtime.cli import app

    bundle = bundle_copy()
    np.save(tmp_path / "x.npy", np.zeros((28, 28), np.uint8))
    monkeypatch.setenv("EDGEQUANT_PROBE_FAULT", "SIGABRT")
    result = CliRunner().invoke(app, ["predict", str(bundle), str(tmp_path / "x.npy"), "--isolate"])
    assert result.exit_code == 2 and "SIGABRT" in result.output and "Traceback" not in result.output
