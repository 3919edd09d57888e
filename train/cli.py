"""``edgequant train NAME|all``."""

from __future__ import annotations

from pathlib import Path

import typer

from edgequant.runtime.clikit import console, handle_errors, print_json, progress_bar
from edgequant.runtime.extras import require_training
from edgequant.train.registry import DEFAULT_SEED, REGISTRY, get_spec, resolve_names

DEFAULT_RUNS = Path("runs")


def run_dir(out: Path | None, name: str, *, many: bool) -> Path:
    """--out is the run folder for one model, or the parent of one folder per model for 'all'."""
    if out is None:
        return DEFAULT_RUNS / name
    return out / name if many else out


def train_command(
    name: str = typer.Argument(..., help=f"Model name or 'all': {', '.join(REGISTRY)}."),
    epochs: int | None = typer.Option(None, help="Epochs (default: the published setting)."),
    seed: int = typer.Option(DEFAULT_SEED, help="Random seed; the same seed gives the same model."),
    data_dir: Path | None = typer.Option(None, help="Folder holding <dataset>/ IDX files "
                                            "(default: $EDGEQUANT_DATA, Keras cache, /usr/share/datasets)."),
    out: Path | None = typer.Option(None, help="Run folder (default runs/<name>/)."),
    limit: int | None = typer.Option(None, help="Train on the first N training samples only (quick runs)."),
    cv: bool = typer.Option(True, help="Cross-validate where the registry asks for it (breast-cancer)."),
    json_out: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """Train models at the published settings and write model, metrics, report and plots."""
    names = resolve_names(name)
    require_training()
    from edgequant.train.trainer import train_model

    results = {}
    with progress_bar(disable=json_out) as progress:
        for model_name in names:
            spec = get_spec(model_name)
            result = train_model(spec, out_dir=run_dir(out, model_name, many=len(names) > 1), epochs=epochs,
                                 seed=seed, data_dir=data_dir, limit=limit, cross_validation=cv,
                                 progress=progress)
            results[model_name] = result
    if json_out:
        print_json({n: {k: r.metrics[k] for k in ("test_accuracy", "meets_floor", "cross_validation",
                                                 "epochs", "seed", "wall_time_s")} | {"out": str(r.out_dir)}
                    for n, r in results.items()})
        return
    for n, r in results.items():
        m = r.metrics
        cv_text = ""
        if m["cross_validation"]:
            cv_text = f", CV mean {m['cross_validation']['mean']:.4f}"
        verdict = "[green]meets floor[/]" if m["meets_floor"] else "[red]BELOW FLOOR[/]"
        console.print(f"{n}: test accuracy {m['test_accuracy']:.4f}{cv_text} ({verdict} "
                      f"{m['accuracy_floor']}) -> {r.out_dir}")


DEFAULT_SWEEP_RUNS = DEFAULT_RUNS / "sweeps"
DEFAULT_SWEEP_RESULTS = Path("benchmarks") / "results"


def sweep_command(
    name: str = typer.Argument(..., help=f"Model name or 'all': {', '.join(REGISTRY)}."),
    seeds: str = typer.Option("10", help="A count (30 = seeds 0-29), a range (5-9) or a list (1,4,9)."),
    epochs: int | None = typer.Option(None, help="Epochs (default: the published setting)."),
    data_dir: Path | None = typer.Option(None, help="Folder holding <dataset>/ IDX files."),
    runs_dir: Path = typer.Option(DEFAULT_SWEEP_RUNS, help="Parent of the per-seed run folders "
                                  "(<runs-dir>/<name>/seed-N); finished runs made the same way are reused."),
    out: Path = typer.Option(DEFAULT_SWEEP_RESULTS, help="Where seed-sweep-<name>.json/.md/.png go."),
    limit: int | None = typer.Option(None, help="Train on the first N training samples only (quick runs)."),
    cv: bool = typer.Option(False, help="Also cross-validate every seed where the registry asks for CV "
                            "(breast-cancer; ~10x the training time)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summaries as JSON."),
) -> None:
    """Train under many seeds at the published settings: spread, share meeting the floor, validation vs test."""
    from edgequant.train.sweep import headline, parse_seeds, run_sweep, write  # imports no TensorFlow

    names = resolve_names(name)
    seed_list = parse_seeds(seeds)
    require_training()

    results = {}
    with progress_bar(disable=json_out) as progress:
        for model_name in names:
            result = run_sweep(get_spec(model_name), seeds=seed_list, runs_dir=runs_dir / model_name,
                               epochs=epochs, data_dir=data_dir, limit=limit, cross_validation=cv,
                               progress=progress)
            results[model_name] = (result, write(result, out))
    if json_out:
        print_json({n: r["summary"] | {"files": [str(p) for p in files]} for n, (r, files) in results.items()})
        return
    for result, files in results.values():
        console.print(f"{headline(result)} -> {files[0]}, {files[1].name}, {files[2].name}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("train")(handle_errors(train_command))
    app.command("sweep")(handle_errors(sweep_command))
