"""CLI commands (filled in by later work)."""

import typer


def register(app: typer.Typer) -> None:
    pass
