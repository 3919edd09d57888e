"""The ``edgequant`` command. Runtime commands live here; train/export/bench register their own.

Importing this module must stay TensorFlow-free: the train and export commands
import TensorFlow only inside their bodies.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="edgequant", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Train, quantize, verify and benchmark small models for edge devices.",
)


def _register_all() -> None:
    from edgequant.benchmarks import cli as bench_cli
    from edgequant.export import cli as export_cli
    from edgequant.runtime import commands
    from edgequant.train import cli as train_cli

    for module in (train_cli, export_cli, commands, bench_cli):
        module.register(app)


def _print_version(value: bool) -> None:
    if value:
        from edgequant.runtime import __version__

        typer.echo(f"edgequant {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Train, quantize, verify and benchmark small models for edge devices."""


_register_all()


def main() -> None:
    """Console entry point (commands turn typed errors into one line and exit code 2)."""
    app()


if __name__ == "__main__":
    main()
