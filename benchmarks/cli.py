"""``edgequant bench`` and ``edgequant bench-compare``."""

from __future__ import annotations

from pathlib import Path

import typer

from edgequant.runtime.clikit import console, handle_errors, print_json, progress_bar
from edgequant.runtime.errors import InputError
from edgequant.runtime.formats import FORMATS, resolve_format


def parse_ints(text: str, option: str) -> tuple[int, ...]:
    """'1,2,4' -> (1, 2, 4), with a typed error for anything else."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise InputError(f"bad {option} list", expected="positive integers separated by commas, e.g. 1,8,32",
                         got=repr(text), fix=f"pass {option} 1,8,32")
    return values


def bench_command(
    bundle: Path = typer.Argument(..., help="Bundle directory, e.g. models/fashion-mnist."),
    format: list[str] | None = typer.Option(None, "--format", "-f",
                                               help=f"Artifact(s): {' | '.join(FORMATS)}; default all."),
    backend: str | None = typer.Option(None, help="Override the backend."),
    threads: str = typer.Option("1", help="Thread counts, e.g. 1,2,4."),
    batch: str = typer.Option("1,8,32,256", help="Batch sizes, e.g. 1,8,32,256."),
    runs: int = typer.Option(200, min=1, help="Minimum timed calls per configuration."),
    warmup: int = typer.Option(50, min=1, help="Warm-up calls per configuration."),
    min_seconds: float = typer.Option(0.5, min=0.0, help="Minimum timed seconds per configuration."),
    keras: Path | None = typer.Option(None, help="Keras model for the float baseline "
                                         "(default runs/<name>/model.keras when TensorFlow is installed)."),
    keras_baseline: bool = typer.Option(True, help="Measure the Keras baseline when a model is available."),
    cold_start: bool = typer.Option(True, help="Measure cold start and RSS in fresh processes."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the result JSON here ('-' for stdout)."),
    csv_path: Path | None = typer.Option(None, "--csv", help="Write one CSV row per measurement here."),
    md_path: Path | None = typer.Option(None, "--md", help="Write Markdown tables here."),
) -> None:
    """Latency percentiles, throughput, cold start, RSS, size and accuracy, beside their baselines."""
    import importlib.util

    from edgequant.benchmarks.bench import Settings, bench_bundle
    from edgequant.benchmarks.report import rich_table, to_csv, to_markdown
    from edgequant.runtime.fsutil import atomic_write_json, atomic_write_text
    from edgequant.runtime.manifest import load_manifest

    manifest = load_manifest(bundle)
    if keras is not None and not keras.is_file():
        raise InputError(f"Keras model {keras} does not exist", expected="a .keras file from edgequant train",
                         got="no such file", fix="pass runs/<name>/model.keras, or --no-keras-baseline")
    if not keras_baseline:
        keras = None
    elif keras is None and importlib.util.find_spec("tensorflow"):
        default = Path("runs") / manifest.name / "model.keras"
        keras = default if default.is_file() else None
    settings = Settings(formats=tuple(resolve_format(f).name for f in format) if format else None, backend=backend,
                        threads=parse_ints(threads, "--threads"), batches=parse_ints(batch, "--batch"), runs=runs,
                        warmup=warmup, min_seconds=min_seconds, keras_model=keras, cold_start=cold_start)
    to_stdout = json_path is not None and str(json_path) == "-"
    with progress_bar(transient=True) as progress:
        task = progress.add_task("bench", total=None)
        result = bench_bundle(bundle, settings, progress=lambda m: progress.update(task, description=m)).to_dict()
    if to_stdout:
        print_json(result)
        return
    console.print(rich_table(result))
    for path, text in ((csv_path, lambda: to_csv([result])), (md_path, lambda: to_markdown([result]))):
        if path is not None:
            atomic_write_text(path, text())
    if json_path is not None:
        atomic_write_json(json_path, result)


def compare_command(
    baseline: Path = typer.Argument(..., help="Older result JSON (bench or matrix)."),
    candidate: Path = typer.Argument(..., help="Newer result JSON."),
    threshold: float = typer.Option(10.0, help="Flag a p95 increase above this percentage."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Compare two benchmark results; exit 1 when any p95 regressed by more than --threshold %."""
    from edgequant.benchmarks.compare import compare, load_results

    rows = compare(load_results(baseline), load_results(candidate), threshold=threshold / 100)
    regressions = [r for r in rows if r["regressed"]]
    if json_out:
        print_json({"threshold_pct": threshold, "rows": rows, "regressions": len(regressions)})
    else:
        from rich.table import Table

        table = Table("model", "format", "kind", "threads", "batch", "p95 before us", "p95 after us", "change")
        for r in rows:
            change = f"{r['change'] * 100:+.1f}%"
            table.add_row(r["model"], r["format"], r["kind"], str(r["threads"]), str(r["batch"]),
                          f"{r['before'] * 1e6:.1f}", f"{r['after'] * 1e6:.1f}",
                          f"[red]{change} REGRESSION[/]" if r["regressed"] else change)
        console.print(table)
        console.print(f"{len(regressions)} regression(s) over {threshold:.0f}% p95")
    if regressions:
        raise typer.Exit(1)


def pipeline_command(
    data_dir: Path | None = typer.Option(None, help="Dataset folder (default: $EDGEQUANT_DATA, ...)."),
    skip_train: bool = typer.Option(False, help="Reuse runs/ instead of training again."),
    bench: bool = typer.Option(True, help="Run the benchmark matrix."),
    soak: int = typer.Option(100_000, min=0, help="Soak calls per backend in the matrix (0: skip)."),
) -> None:
    """The main job: train all models, export with the parity gate, eval, bench, write the report."""
    from edgequant.benchmarks.pipeline import run_pipeline
    from edgequant.runtime.extras import require_training

    require_training()
    with progress_bar() as progress:
        result = run_pipeline(repo=Path.cwd(), data_dir=data_dir, skip_train=skip_train, bench=bench,
                              soak_calls=soak, progress=progress)
    for name, rows in result.accuracy.items():
        console.print(f"{name}: " + ", ".join(f"{fmt} {r['accuracy']:.4f}" for fmt, r in rows.items()))
    console.print("steps (s): " + ", ".join(f"{k} {v}" for k, v in result.seconds.items()))
    console.print("wrote: " + ", ".join(str(p) for p in result.written + ([result.matrix] if result.matrix else [])))


def report_command(
    repo: Path = typer.Option(Path("."), help="Repository root (README.md, models/, benchmarks/results/)."),
    check: bool = typer.Option(False, help="Only check that README is up to date; exit 1 if not."),
) -> None:
    """Regenerate README's result tables and benchmarks/results/report.md from the committed result files."""
    from edgequant.benchmarks import summary
    from edgequant.train.registry import REGISTRY

    if check:
        readme = (repo / "README.md").read_text()
        fresh = summary.replace_blocks(readme, summary.blocks(repo, list(REGISTRY)))
        if fresh != readme:
            console.print("README.md is out of date: run `edgequant report`")
            raise typer.Exit(1)
        console.print("README.md is up to date")
        return
    for path in summary.write(repo, list(REGISTRY)):
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("bench")(handle_errors(bench_command))
    app.command("bench-compare")(handle_errors(compare_command))
    app.command("pipeline")(handle_errors(pipeline_command))
    app.command("report")(handle_errors(report_command))


