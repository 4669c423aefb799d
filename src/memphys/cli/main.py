"""Entry point of the ``memphys`` command: ``memphys --help`` lists the commands.

Every error is one line on stderr (``Error: ...``) and a non-zero exit status, never a
traceback, unless ``-v`` is given (then the traceback follows). SIGTERM stops a command
as Ctrl-C does: its output in progress is removed (``<dst>.partial``), its workers stop,
and the exit status is 143.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType
from typing import Any

import click

from memphys import __version__
from memphys.cli._common import one_line
from memphys.cli.convert import convert
from memphys.cli.demo import demo
from memphys.cli.filter import filter_command
from memphys.cli.info import info
from memphys.cli.plot import plot_group

__all__ = ["main", "one_line"]

#: Exit status after SIGTERM (128 + 15, as a shell reports it).
SIGTERM_STATUS = 128 + int(signal.SIGTERM)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(SIGTERM_STATUS)


class _Main(click.Group):
    """The command group: unexpected errors become one ``Error:`` line (``-v``: traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("verbose"):
                raise
            raise click.ClickException(one_line(exc)) from exc


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="memphys")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug); tracebacks.")
def main(verbose: int) -> None:
    """memphys: neurophysiology time series larger than memory."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if (
        sys.platform != "win32"
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        # cleanup runs (partial outputs removed, workers stopped) as for Ctrl-C; the
        # default comes back when the command ends (the group may run inside a program)
        signal.signal(signal.SIGTERM, _terminate)
        click.get_current_context().call_on_close(
            lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL)
        )


main.add_command(demo)
main.add_command(info)
main.add_command(convert)
main.add_command(filter_command)
main.add_command(plot_group)

if __name__ == "__main__":  # pragma: no cover
    main()
