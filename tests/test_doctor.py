"""edgequant doctor: backends probed in child processes, so a broken one is a line, not a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edgequant.runtime import doctor
from edgequant.runtime.cli import app


def test_doctor_json_on_this_machine() -> None:
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"ai-edge-litert", "onnxruntime"} <= set(report["usable_backends"])
    assert report["cpu"]["features"] and report["numpy"]


@pytest.mark.parametrize("body, status", [
    ("raise AttributeError('_ARRAY_API not found')", "broken"),  # tflite_runtime 2.14 under numpy 2
    ("import os, signal\nos.kill(os.getpid(), signal.SIGILL)", "crashed"),  # a wheel too new for the CPU
])
def test_broken_tflite_runtime_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str,
                                           status: str) -> None:
    package = tmp_path / "tflite_runtime"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "interpreter.py").write_text(body + "\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    result = doctor.probe_backend("tflite-runtime")
    assert result["status"] == status
    if status == "crashed":
        assert "SIGILL" in result["detail"]
    report = doctor.diagnose()
    assert any("tflite-runtime is installed but does not work" in w for w in report["warnings"])
    assert report["ok"]  # the other backends still work


def test_32_bit_arm_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor.platform, "machine", lambda: "armv7l")
    assert any("32-bit ARM" in w for w in doctor.diagnose()["warnings"])
