"""Opt-in isolated mode: load, allocate and run a zero input in a child process first.

A hostile or corrupt model that crashes native code (SIGSEGV, SIGILL, abort)
then kills only the child, and the caller gets an IsolationError instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

from edgequant.runtime.errors import IsolationError

TIMEOUT_S = 120


def _child(argv: list[str]) -> None:
    import numpy as np

    from edgequant.runtime.errors import EdgequantError
    from edgequant.runtime.model import load

    args = json.loads(argv[0])
    fault = os.environ.get("EDGEQUANT_PROBE_FAULT")  # test hook: stand in for a native crash
    if fault:
        os.kill(os.getpid(), getattr(signal, fault))
    try:
        model = load(args["bundle"], format=args["format"], backend=args["backend"], verify=args["verify"])
        model.predict(np.zeros(model.raw_shape, dtype=model.raw_dtype))
    except EdgequantError as exc:  # a clean, typed failure: hand it to the parent as text
        print(json.dumps({"error": exc.one_line()}))
        sys.exit(3)


def probe_in_child(bundle: str | os.PathLike, *, format: str, backend: str | None, verify: bool) -> None:
    """Raise IsolationError if loading and running the artifact crashes or fails in a child process."""
    payload = json.dumps({"bundle": str(bundle), "format": format, "backend": backend, "verify": verify})
    code = "import sys; from edgequant.runtime.isolation import _child; _child(sys.argv[1:])"
    try:
        proc = subprocess.run([sys.executable, "-c", code, payload], capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise IsolationError(f"{format} artifact of {bundle} hung in the isolated probe",
                             expected=f"a load + one inference within {TIMEOUT_S} s", got="a timeout",
                             fix="do not load this model") from None
    if proc.returncode == 0:
        return
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise IsolationError(f"{format} artifact of {bundle} crashed the isolated probe",
                             expected="a clean load and one inference", got=f"the child died with {name}",
                             fix="do not load this model; re-export it from a trusted source")
    detail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]
    with contextlib.suppress(ValueError, KeyError, TypeError):  # not our JSON: keep the raw text
        detail = json.loads(detail)["error"]
    raise IsolationError(f"{format} artifact of {bundle} failed in the isolated probe",
                         expected="a clean load and one inference", got=f"exit {proc.returncode}: {detail}",
                         fix="check the message; do not load this model if you did not make it")
