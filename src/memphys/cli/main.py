"""Entry point of the ``memphys`` command: ``memphys --help`` lists the commands."""

from __future__ import annotations

import logging

import click

from memphys import __version__
from memphys.cli.convert import convert
from memphys.cli.demo import demo
from memphys.cli.filter import filter_command
from memphys.cli.info import info
from memphys.cli.plot import plot_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="memphys")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
def main(verbose: int) -> None:
    """memphys: neurophysiology time series larger than memory."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


main.add_command(demo)
main.add_command(info)
main.add_command(convert)
main.add_command(filter_command)
main.add_command(plot_group)

if __name__ == "__main__":  # pragma: no cover
    main()
