"""edgequant bench: the JSON schema, ratios measured in the same run, CSV/Markdown output, compare."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from edgequant.benchmarks.schema import BENCH_SCHEMA
from edgequant.runtime.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def bench_json(released: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    result = runner.invoke(app, ["bench", str(released / "mnist"), "--batch", "1,32", "--runs", "20", "--warmup", "5",
                                 "--min-seconds", "0.05", "--json", str(out / "r.json"), "--csv", str(out / "r.csv"),
                                 "--md", str(out / "r.md"), "--no-cold-start", "--no-keras-baseline"])
    assert result.exit_code == 0, result.output
    return out / "r.json"


def test_output_validates_against_the_documented_schema(bench_json: Path) -> None:
    data = json.loads(bench_json.read_text())
    jsonschema.validate(data, BENCH_SCHEMA)
    kinds = {(r["format"], r["batch"], r["kind"]) for r in data["rows"]}
    for fmt in ("int8", "f32", "onnx", "onnx-int8"):
        assert {(fmt, 1, "runtime"), (fmt, 1, "bare"), (fmt, 1, "numpy_loop"), (fmt, 32, "runtime")} <= kinds
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "rows": []}, BENCH_SCHEMA)


def test_ratios_come_from_rows_of_the_same_run(bench_json: Path) -> None:
    data = json.loads(bench_json.read_text())
    rows = {(r["format"], r["batch"], r["kind"]): r["latency_s"]["p50"] for r in data["rows"]}
    for ratio in data["ratios"]:
        key = (ratio["format"], ratio["batch"])
        assert ratio["overhead_vs_bare"] == pytest.approx(rows[(*key, "runtime")] / rows[(*key, "bare")])
        if ratio["format"] == "int8":
            assert ratio["int8_speedup_vs_f32"] == pytest.approx(rows[("f32", key[1], "runtime")] /
                                                                 rows[(*key, "runtime")])
    assert data["environment"]["cpu"]["cores"] >= 1 and data["environment"]["xnnpack"] is True


def test_csv_and_markdown_files(bench_json: Path) -> None:
    csv_lines = bench_json.with_suffix(".csv").read_text().splitlines()
    # 4 formats x 2 batches x (runtime, bare, numpy loop)
    assert csv_lines[0].startswith("model,format,backend,threads,batch,kind") and len(csv_lines) == 1 + 24
    assert "| mnist | int8 | 1 | 1 |" in bench_json.with_suffix(".md").read_text()


def test_compare_flags_a_p95_regression(bench_json: Path, tmp_path: Path) -> None:
    data = json.loads(bench_json.read_text())
    slower = json.loads(json.dumps(data))
    slower["rows"][0]["latency_s"]["p95"] *= 1.5
    (tmp_path / "slow.json").write_text(json.dumps(slower))
    same = runner.invoke(app, ["bench-compare", str(bench_json), str(bench_json), "--json"])
    assert same.exit_code == 0 and json.loads(same.stdout)["regressions"] == 0
    worse = runner.invoke(app, ["bench-compare", str(bench_json), str(tmp_path / "slow.json")])
    assert worse.exit_code == 1 and "1 regression(s) over 10% p95" in worse.output


def test_missing_keras_model_is_an_error(released: Path) -> None:
    result = runner.invoke(app, ["bench", str(released / "mnist"), "--keras", "/nonexistent.keras"])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_compare_rejects_non_results(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    result = runner.invoke(app, ["bench-compare", str(tmp_path / "x.json"), str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "no benchmark rows" in result.output


def test_readme_tables_are_generated_from_committed_files() -> None:
    result = runner.invoke(app, ["report", "--check", "--repo", str(Path(__file__).resolve().parents[1])])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("doc", ["README.md", "benchmarks/results/report.md"])
def test_generated_links_resolve(doc: str) -> None:
    import re

    from edgequant.benchmarks import summary
    from edgequant.train.registry import REGISTRY

    repo = Path(__file__).resolve().parents[1]
    text = summary.report_markdown(repo, list(REGISTRY)) if doc.endswith("report.md") else (repo / doc).read_text()
    targets = [t for t in re.findall(r"\]\(([^)#]+)\)", text) if "://" not in t]
    assert any(t.endswith(".png") for t in targets)
    missing = [t for t in targets if not ((repo / doc).parent / t).exists()]
    assert not missing, f"{doc} links to missing files: {missing}"
