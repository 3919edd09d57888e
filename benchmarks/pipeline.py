"""``edgequant pipeline``: train -> export (parity gate) -> eval -> bench matrix -> report, in one command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgequant.runtime.errors import EdgequantError, ExportError


@dataclass
class PipelineResult:
    seconds: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, dict[str, Any]] = field(default_factory=dict)
    matrix: Path | None = None
    written: list[Path] = field(default_factory=list)


def bench_in_fresh_process(repo: Path, *, soak_calls: int, progress: Any) -> Path:
    """The matrix in its own process: this one holds TensorFlow and its thread pools from training,
    which would slow the runtime's Python-side work and skew every ratio."""
    cmd = [sys.executable, "-u", "-m", "edgequant.benchmarks.matrix", "--models", str(repo / "models"), "--runs",
           str(repo / "runs"), "--out", str(repo / "benchmarks" / "results"), "--soak", str(soak_calls)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=repo)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip())
        progress(line.strip()[:60])
    if proc.wait() != 0:
        raise EdgequantError("the benchmark matrix failed", expected="exit 0", got=" | ".join(lines[-3:]),
                          fix="run python -m edgequant.benchmarks.matrix to see the full output")
    return Path(lines[-1].split()[1])


def run_pipeline(*, repo: Path, data_dir: str | os.PathLike | None = None, skip_train: bool = False,
                 bench: bool = True, soak_calls: int = 100_000, progress: Any = None) -> PipelineResult:
    """Every step at the published settings; raises on a parity failure or an eval mismatch."""
    from edgequant.benchmarks import summary
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
        result.matrix = bench_in_fresh_process(repo, soak_calls=soak_calls,
                                               progress=lambda m: progress and progress.update(task, description=m))
        done("bench", started)

    started = time.perf_counter()
    result.written = summary.write(repo, names)
    done("report", started)
    return result
