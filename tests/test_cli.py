"""The typer CLI: help, train through CliRunner, typed errors as one line with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edgequant.runtime.cli import app

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("train", "export", "info", "predict", "eval", "verify"):
        assert command in result.output


def test_train_through_cli(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "breast-cancer", "--epochs", "2", "--no-cv", "--out", str(tmp_path),
                                 "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["breast-cancer"]["epochs"] == 2
    assert (tmp_path / "metrics.json").is_file()


def test_unknown_model_is_one_line_exit_2() -> None:
    result = runner.invoke(app, ["train", "minst"])
    assert result.exit_code == 2
    assert "did you mean 'mnist'" in result.output
    assert "Traceback" not in result.output


def test_missing_dataset_from_the_real_console_script(tmp_path: Path) -> None:
    if Path("/usr/share/datasets/fashion-mnist").exists():
        pytest.skip("Debian's dataset-fashion-mnist is installed here, so the dataset is not missing")
    env = {"EDGEQUANT_DATA": str(tmp_path), "EDGEQUANT_OFFLINE": "1", "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "edgequant.runtime.cli", "train", "fashion-mnist", "--epochs", "1",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2
    assert "dataset 'fashion-mnist' not found" in proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert len([line for line in proc.stderr.splitlines() if line.startswith("error:")]) == 1


def test_error_text_is_not_eaten_as_markup(capsys: pytest.CaptureFixture[str]) -> None:
    from edgequant.runtime.clikit import print_error

    print_error("training needs TensorFlow. Fix: pip install 'edgequant[train]'")
    assert "pip install 'edgequant[train]'" in capsys.readouterr().err
