"""The whole emulated Raspberry Pi (Cortex-A72) verification. Minutes, so it has a marker:
developers skip it with `-m "not emulation"`; CI (CI=true) always runs it and fails if the tools are missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from edgequant.benchmarks import aarch64

pytestmark = pytest.mark.emulation


@pytest.fixture(scope="module")
def report(released: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("qemu-system-aarch64") is None and os.environ.get("CI") != "true":
        pytest.skip("qemu-system-arm is not installed (apt-get install qemu-system-arm debootstrap cpio)")
    out = tmp_path_factory.mktemp("aarch64")
    return aarch64.verify_on_aarch64(released.parent, models=released, out_dir=out, data_dir=str(data_dir))


def test_guest_is_a_real_a72(report: dict) -> None:
    guest = report["guest"]
    assert guest["machine"] == "aarch64"
    assert "asimd" in guest["cpuinfo_features"] and "asimddp" not in guest["cpuinfo_features"]  # A72: no dotprod


def test_doctor_and_verify_pass_in_the_guest(report: dict) -> None:
    doctor = report["guest"]["doctor"]
    assert doctor["exit_code"] == 0 and set(doctor["usable_backends"]) >= {"ai-edge-litert", "onnxruntime"}
    for name, bundle in report["guest"]["bundles"].items():
        assert bundle["verify"]["passed"], name


def test_every_artifact_matches_x86(report: dict) -> None:
    assert len(report["rows"]) == 3 * 4
    failed = [r for r in report["rows"] if not r["passed"]]
    assert not failed, failed
    for row in report["rows"]:
        assert row["argmax_agreement"] == 1.0
        if row["artifact"] == "int8":
            assert row["bit_exact"]
        else:
            assert row["max_abs_diff"] <= 1e-5
