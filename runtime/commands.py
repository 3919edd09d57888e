"""Runtime CLI commands: info, predict, eval, verify. TensorFlow-free."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from edgequant.runtime.clikit import console, handle_errors, print_json
from edgequant.runtime.formats import FORMATS, resolve_format

BUNDLE_HELP = "Bundle directory, e.g. models/mnist."
FORMAT_HELP = f"Artifact: {' | '.join(FORMATS)}."


def _tensor_text(t: dict) -> str:
    q = t.get("quantization")
    text = f"{t.get('dtype', '?')} {tuple(t.get('shape', ()))}"
    return text + (f" q(scale {q['scale']:.4g}, zp {q['zero_point']})" if q else "")


def info_command(bundle: Path = typer.Argument(..., help=BUNDLE_HELP),
                 json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON.")) -> None:
    """Show a bundle's manifest: input, preprocessing, artifacts, sizes, ops, quantization, parity."""
    from edgequant.runtime.manifest import load_manifest

    manifest = load_manifest(bundle)
    if json_out:
        print_json(manifest.data)
        return
    d = manifest.data
    inp = d["input"]
    console.print(f"[bold]{d['name']}[/] (schema v{d['schema_version']}, created {d.get('created')})")
    console.print(f"labels: {', '.join(d['labels'])}")
    console.print(f"input: raw {inp['raw_dtype']} {tuple(inp['raw_shape'])} -> tensor {inp['dtype']} "
                  f"{tuple(inp['tensor_shape'])} ({inp.get('layout')}); preprocessing: {d['preprocessing']['kind']}")
    table = Table("format", "file", "bytes", "input", "output", "head")
    for column in table.columns:
        column.overflow = "fold"  # never hide a file name behind an ellipsis
    for fmt, a in d["artifacts"].items():
        table.add_row(fmt, a["file"], f"{a['bytes']:,}", _tensor_text(a["input"]), _tensor_text(a["output"]),
                      f"{a['output']['kind']} -> {a['output']['activation']}")
    console.print(table)
    for fmt, a in d["artifacts"].items():
        ops = ", ".join(a.get("ops", [])) or "(ONNX graph; see the file)"
        console.print(f"{fmt}: sha256 {a['sha256']}; ops {ops}", highlight=False)
    parity = d.get("parity") or {}
    if parity:
        console.print(f"parity: {'passed' if parity['passed'] else 'FAILED'} vs float accuracy "
                      f"{parity['reference_accuracy']:.4f}: " + ", ".join(
                          f"{fmt} {a['accuracy']:.4f}" + (" (repaired head)" if a.get("repaired") else "")
                          for fmt, a in parity["artifacts"].items()))
    console.print("versions: " + ", ".join(f"{k} {v}" for k, v in d.get("versions", {}).items()))


def predict_command(
    bundle: Path = typer.Argument(..., help=BUNDLE_HELP),
    inputs: list[Path] = typer.Argument(..., help="PNG/JPEG images, .npy arrays or CSV files."),
    format: str = typer.Option("int8", "--format", "-f", help=FORMAT_HELP),
    backend: str | None = typer.Option(None, help="Override the backend (litert, onnxruntime, ...)."),
    threads: int | None = typer.Option(None, min=1, help="Inference threads."),
    top: int = typer.Option(1, min=1, help="Show the top K labels."),
    invert: bool = typer.Option(False, help="Invert images (black digit on white paper)."),
    isolate: bool = typer.Option(False, help="Probe the model in a child process first (untrusted files)."),
    verify: bool = typer.Option(True, help="Check the artifact's sha256 against the manifest."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Predict labels for images, .npy arrays or CSV rows."""
    import numpy as np

    from edgequant.runtime.inputs import read_input
    from edgequant.runtime.model import load

    model = load(bundle, format=resolve_format(format).name, backend=backend, threads=threads,
                 verify=verify, isolate=isolate)
    results = []
    for path in inputs:
        batch = read_input(path, model.raw_shape, model.raw_dtype, invert=invert)
        probs = model.predict(batch)
        for row, p in enumerate(probs):
            order = np.argsort(-p)[:top]
            results.append({"input": str(path), "row": row, "label": model.labels[order[0]],
                            "probability": float(p[order[0]]),
                            "top": [{"label": model.labels[i], "probability": float(p[i])} for i in order]})
    if json_out:
        print_json({"bundle": str(bundle), "format": model.format.name, "backend": model.backend_module_name,
                    "predictions": results})
        return
    for r in results:
        where = r["input"] + (f"[{r['row']}]" if r["row"] else "")
        extra = "" if top == 1 else "  (" + ", ".join(f"{t['label']} {t['probability']:.4f}" for t in r["top"]) + ")"
        console.print(f"{escape(where)}: [bold]{escape(r['label'])}[/] {r['probability']:.4f}{escape(extra)}",
                      highlight=False)


def eval_command(
    bundle: Path = typer.Argument(..., help=BUNDLE_HELP),
    format: list[str] | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP + " Repeatable; default all."),
    data_dir: Path | None = typer.Option(None, help="Dataset folder (default: $EDGEQUANT_DATA, ...)."),
    threads: int | None = typer.Option(None, min=1, help="Inference threads."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Accuracy of each artifact on the full test set, agreement with the float artifact."""
    from edgequant.runtime.checks import evaluate_bundle

    formats = [resolve_format(f).name for f in format] if format else None
    result = evaluate_bundle(bundle, formats=formats, data_dir=data_dir, threads=threads)
    if json_out:
        print_json(result)
        return
    table = Table("format", "accuracy", "agreement with f32", "parity.json", "match",
                  title=f"{result['model']}: {next(iter(result['artifacts'].values()))['samples']} test samples")
    for fmt, r in result["artifacts"].items():
        agreement = "-" if r["agreement_with_f32"] is None else f"{r['agreement_with_f32'] * 100:.2f}%"
        claimed = "-" if r["parity_json_accuracy"] is None else f"{r['parity_json_accuracy']:.4f}"
        match = {True: "[green]yes[/]", False: "[red]NO[/]", None: "-"}[r["matches_parity_json"]]
        table.add_row(fmt, f"{r['accuracy']:.4f}", agreement, claimed, match)
    console.print(table)


def verify_command(
    bundle: Path = typer.Argument(..., help=BUNDLE_HELP),
    backend: str | None = typer.Option(None, help="Override the LiteRT backend (e.g. tflite-runtime)."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check the manifest schema and checksums, load every artifact, compare with the golden outputs."""
    from edgequant.runtime.checks import checks_as_dicts, verify_bundle

    checks = verify_bundle(bundle, backend=backend)
    passed = all(c.ok for c in checks)
    if json_out:
        print_json({"bundle": str(bundle), "passed": passed, "checks": checks_as_dicts(checks)})
    else:
        table = Table("artifact", "check", "result", "detail", title=f"verify {bundle}")
        for c in checks:
            table.add_row(c.artifact, c.check, "[green]ok[/]" if c.ok else "[red]FAIL[/]", escape(c.detail))
        console.print(table)
        console.print("[green]verified[/]" if passed else "[red]verification failed[/]")
    if not passed:
        raise typer.Exit(1)


def doctor_command(json_out: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Check this machine: CPU features, Python/numpy, and whether each backend imports and runs."""
    from edgequant.runtime.doctor import diagnose

    report = diagnose()
    if json_out:
        print_json(report)
    else:
        cpu = report["cpu"]
        console.print(f"machine {report['machine']} ({cpu['model']}, {cpu['cores']} cores); "
                      f"Python {report['python']}, numpy {report['numpy']}", highlight=False)
        console.print("CPU features: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in cpu["features"].items()))
        table = Table("backend", "status", "version", "detail")
        for b in report["backends"]:
            colour = {"ok": "green", "missing": "yellow"}.get(b["status"], "red")
            table.add_row(b["backend"], f"[{colour}]{b['status']}[/]", b.get("version", "-"), escape(b["detail"]))
        console.print(table)
        for warning in report["warnings"]:
            console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if not report["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("info")(handle_errors(info_command))
    app.command("predict")(handle_errors(predict_command))
    app.command("eval")(handle_errors(eval_command))
    app.command("verify")(handle_errors(verify_command))
    app.command("doctor")(handle_errors(doctor_command))
