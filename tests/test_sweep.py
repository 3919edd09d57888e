"""`edgequant sweep`: seed parsing, the statistics, resuming, files and the README block."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edgequant.runtime.cli import app
from edgequant.runtime.errors import InputError
from edgequant.train.registry import REGISTRY
from edgequant.train.sweep import parse_seeds, summarize, wilson_interval


@pytest.mark.parametrize(("text", "seeds"), [("3", [0, 1, 2]), ("5-7", [5, 6, 7]), ("4,1,4,9", [4, 1, 9]),
                                             (" 2 ", [0, 1])])
def test_parse_seeds(text: str, seeds: list[int]) -> None:
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["0", "9-5", "", "a", "1,", "-3", "1001", "0-1000"])
def test_parse_seeds_refuses(text: str) -> None:
    with pytest.raises(InputError, match="expected a count"):
        parse_seeds(text)


def test_wilson_interval_matches_reference_values() -> None:
    # Reference values from the closed form (e.g. statsmodels proportion_confint(method="wilson")).
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def _rows(test: list[float], val: list[float | None]) -> list[dict]:
    floor = REGISTRY["mnist"].accuracy_floor
    return [{"seed": i, "test_accuracy": t, "meets_floor": t >= floor, "final_val_accuracy": v,
             "final_train_accuracy": 0.99, "wall_time_s": 1.0} for i, (t, v) in enumerate(zip(test, val, strict=True))]


def test_summarize_counts_floor_and_validation_choice() -> None:
    spec = REGISTRY["mnist"]  # floor 0.975
    summary = summarize(spec, _rows([0.9747, 0.9760, 0.9749, 0.9769], [0.979, 0.981, 0.978, 0.980]))
    assert summary["meets_floor"] == 2 and summary["share_meeting_floor"] == 0.5
    assert summary["floor_percentile"] == 0.5
    assert summary["default_seed"] == {"seed": 0, "test_accuracy": 0.9747, "meets_floor": False}
    assert summary["min"] == 0.9747 and summary["max"] == 0.9769
    assert summary["mean"] == pytest.approx(0.975625)
    v = summary["validation"]
    assert v["best_seed"] == 1 and v["best_seed_test_accuracy"] == 0.9760 and v["best_seed_meets_floor"]
    assert -1.0 <= v["test_correlation"] <= 1.0


def test_summarize_without_validation_split() -> None:
    summary = summarize(REGISTRY["breast-cancer"], _rows([0.96, 0.97, 0.95], [None, None, None]))
    assert "validation" not in summary and summary["meets_floor"] == 2


def test_sweep_cli_writes_resumes_and_reports(tmp_path: Path, data_dir: Path) -> None:
    runner = CliRunner()
    args = ["sweep", "mnist", "--seeds", "3", "--epochs", "1", "--limit", "1000",
            "--runs-dir", str(tmp_path / "runs"), "--out", str(tmp_path / "results"), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)["mnist"]
    result = json.loads((tmp_path / "results" / "seed-sweep-mnist.json").read_text())
    assert result["reused_runs"] == 0 and [r["seed"] for r in result["runs"]] == [0, 1, 2]
    for row in result["runs"]:  # every figure comes from that seed's own run folder
        metrics = json.loads((tmp_path / "runs" / "mnist" / f"seed-{row['seed']}" / "metrics.json").read_text())
        assert row["test_accuracy"] == metrics["test_accuracy"] and metrics["seed"] == row["seed"]
    assert summary["seeds"] == 3 and summary["mean"] == result["summary"]["mean"]
    assert (tmp_path / "results" / "seed-sweep-mnist.png").read_bytes().startswith(b"\x89PNG")
    assert "| seed | test accuracy |" in (tmp_path / "results" / "seed-sweep-mnist.md").read_text()

    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    rerun = json.loads((tmp_path / "results" / "seed-sweep-mnist.json").read_text())
    assert rerun["reused_runs"] == 3 and rerun["runs"] == result["runs"]

    from edgequant.benchmarks.summary import newest_matrix, seeds_table

    table = seeds_table([tmp_path / "results" / "seed-sweep-mnist.json"])
    assert f"| mnist | 3 | {result['summary']['mean']:.4f}" in table
    assert newest_matrix(tmp_path / "results") is None  # a sweep file is never taken for a benchmark matrix


def test_sweep_cli_bad_seeds_is_one_line() -> None:
    result = CliRunner().invoke(app, ["sweep", "mnist", "--seeds", "ten"])
    assert result.exit_code == 2
    assert "expected a count" in result.output and "Traceback" not in result.output


def test_sweep_with_cross_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edgequant.train import sweep, trainer

    monkeypatch.setattr(trainer, "CV_REPEATS", 1)
    spec = REGISTRY["breast-cancer"]
    plain = sweep.run_sweep(spec, seeds=[0, 1, 2], runs_dir=tmp_path / "runs", epochs=2)
    assert "cross_validation" not in plain["summary"] and plain["runs"][0]["cv_mean"] is None
    with_cv = sweep.run_sweep(spec, seeds=[0, 1, 2], runs_dir=tmp_path / "runs", epochs=2, cross_validation=True)
    assert with_cv["reused_runs"] == 0  # runs made without CV cannot answer for it
    c = with_cv["summary"]["cross_validation"]
    assert c["floor"] == spec.cv_floor and 0 <= c["meets_floor"] <= 3
    for row in with_cv["runs"]:
        metrics = json.loads((tmp_path / "runs" / f"seed-{row['seed']}" / "metrics.json").read_text())
        assert row["cv_mean"] == metrics["cross_validation"]["mean"]
    again = sweep.run_sweep(spec, seeds=[0, 1, 2], runs_dir=tmp_path / "runs", epochs=2)
    assert again["reused_runs"] == 3  # a CV run also serves a sweep without CV
    files = sweep.write(with_cv, tmp_path / "results")
    assert "CV mean per seed" in files[1].read_text() and files[2].read_bytes().startswith(b"\x89PNG")
