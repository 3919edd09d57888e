"""``edgequant pipeline``: train -> export (parity gate) -> eval -> bench matrix -> report, in one command."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgequant.runtime.errors import ExportError


@dataclass
class PipelineResult:
    seconds: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, dict[str, Any]] = field(default_factory=dict)
    matrix: Path | None = None
    written: list[Path] = field(default_factory=list)


def run_pipeline(*, repo: Path, data_dir: str | os.PathLike | None = None, skip_train: bool = False,
                 bench: bool = True, soak_calls: int = 100_000, progress: Any = None) -> PipelineResult:
    """Every step at the published settings; raises on a parity failure or an eval mismatch."""
    from edgequant.benchmarks import summary
    from edgequant.benchmarks.matrix import run_matrix
    from edgequant.export.bundle import EXPORTERS, export_bundle
    from edgequant.runtime.checks import evaluate_bundle
    from edgequant.train.registry import REGISTRY
    from edgequant.train.trainer import train_model

    names = list(REGISTRY)
    runs, models = repo / "runs", repo / "models"
    result = PipelineResult()
    overall = progress.add_task("pipeline", total=4 + bench) if progress else None

    def done(step: str, started: float) -> None:
        result.seconds[step] = round(time.perf_counter() - started, 1)
        if progress:
            progress.update(overall, advance=1, description=f"pipeline: {step} done")

    started = time.perf_counter()
    if not skip_train:
        for name in names:
            train_model(REGISTRY[name], out_dir=runs / name, data_dir=data_dir, progress=progress)
    done("train", started)

    started = time.perf_counter()
    task = progress.add_task("export", total=len(names) * (len(EXPORTERS) + 1)) if progress else None
    for name in names:
        export_bundle(REGISTRY[name], run_dir=runs / name, out_dir=models / name, data_dir=data_dir,
                      on_step=lambda m: progress and progress.update(task, advance=1, description=m))
    done("export", started)

    started = time.perf_counter()
    for name in names:
        evaluation = evaluate_bundle(models / name, data_dir=data_dir)
        result.accuracy[name] = evaluation["artifacts"]
        mismatched = [f for f, row in evaluation["artifacts"].items() if row["matches_parity_json"] is False]
        if mismatched:
            raise ExportError(f"eval disagrees with parity.json for {name}", expected="identical accuracy",
                              got=", ".join(mismatched), fix="re-run the pipeline; report this if it repeats")
    done("eval", started)

    if bench:
        started = time.perf_counter()
        task = progress.add_task("bench", total=None) if progress else None
        result.matrix = run_matrix(models, names=names, runs_dir=runs, soak_calls=soak_calls,
                                   out_dir=repo / "benchmarks" / "results",
                                   progress=lambda m: progress and progress.update(task, description=m))
        done("bench", started)

    started = time.perf_counter()
    result.written = summary.write(repo, names)
    done("report", started)
    return result
