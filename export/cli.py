"""``edgequant export NAME|all``."""

from __future__ import annotations

from pathlib import Path

import typer

from edgequant.runtime.clikit import console, handle_errors, print_error, print_json, progress_bar
from edgequant.runtime.errors import ParityError
from edgequant.runtime.extras import require_training
from edgequant.train.registry import REGISTRY, get_spec, resolve_names

DEFAULT_MODELS = Path("models")


def export_command(
    name: str = typer.Argument(..., help=f"Model name or 'all': {', '.join(REGISTRY)}."),
    runs: Path = typer.Option(Path("runs"), help="Folder of training runs (runs/<name>/)."),
    out: Path = typer.Option(DEFAULT_MODELS, help="Folder that receives one bundle per model."),
    calibration_size: int = typer.Option(500, min=1, help="Calibration samples from the training set."),
    seed: int = typer.Option(0, help="Seed for drawing the calibration sample."),
    max_drop: float = typer.Option(0.5, help="Gate: max accuracy drop vs float, in points."),
    min_agreement: float = typer.Option(99.0, help="Gate: min top-1 agreement with float, in percent."),
    float_atol: float = typer.Option(1e-4, help="Gate: max |delta probability| for float artifacts."),
    data_dir: Path | None = typer.Option(None, help="Dataset folder (default: $EDGEQUANT_DATA, ...)."),
    json_out: bool = typer.Option(False, "--json", help="Print the parity reports as JSON."),
) -> None:
    """Export trained models to bundles (int8/f32 TFLite, ONNX, int8 ONNX) behind the parity gate."""
    names = resolve_names(name)
    require_training()
    from edgequant.export.bundle import EXPORTERS, export_bundle
    from edgequant.export.parity import Gate, to_markdown

    gate = Gate(max_accuracy_drop=max_drop / 100, min_agreement=min_agreement / 100, float_atol=float_atol)
    results, failed = {}, []
    with progress_bar(disable=json_out) as progress:
        task = progress.add_task("export", total=len(names) * (len(EXPORTERS) + 1))
        for model_name in names:
            try:
                result = export_bundle(get_spec(model_name), run_dir=runs / model_name, out_dir=out / model_name,
                                       calibration_size=calibration_size, seed=seed, gate=gate,
                                       data_dir=data_dir,
                                       on_step=lambda msg: progress.update(task, advance=1, description=msg))
                results[model_name] = result.report
            except ParityError as exc:
                failed.append(exc)
    if json_out:
        print_json({n: r.to_dict() for n, r in results.items()})
    else:
        for n, report in results.items():
            typer.echo(to_markdown(report))
            console.print(f"[green]{n}: bundle written to {out / n}[/]")
    for exc in failed:
        typer.echo(to_markdown(exc.report), err=True)
        print_error(exc.one_line())
    if failed:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("export")(handle_errors(export_command))
