"""The options several commands share, each declared once — ``--as-of``, ``--lang`` and ``--format`` —
as sqlite-utils shares its output options: a command writes ``@lang_option("Language of labels.")``
and keeps its own help text, while the flag, its type, its default and the list of languages live here.

The languages are ``namespaces.LANGUAGES`` (read when the decorators run, i.e. when ``cli`` is
imported): a language added there is a choice of every ``--lang``. Only click is imported here, so
``tokutei-kg --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import click

from . import namespaces

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date: write YYYY-MM-DD, e.g. 2020-01-01", param, ctx)


def as_of_option(help: str) -> Decorator:
    """``--as-of DATE`` (parameter ``as_of``: a ``datetime.date`` or None)."""
    return click.option("--as-of", "as_of", type=IsoDate(), help=help)


def lang_option(help: str | None = None) -> Decorator:
    """``--lang`` (parameter ``lang``): one of ``namespaces.LANGUAGES``, English by default."""
    return click.option("--lang", type=click.Choice(list(namespaces.LANGUAGES)), default="en",
                        show_default=True, help=help)


def format_option(choices: Sequence[str], default: str | None = None, help: str | None = None, *,
                  multiple: bool = False) -> Decorator:
    """``-f/--format`` with this command's formats: parameter ``fmt`` (one format), or ``formats`` (a
    tuple) when ``multiple``."""
    extra: dict[str, Any] = {"default": default, "show_default": True} if default is not None else {}
    return click.option("-f", "--format", "formats" if multiple else "fmt", type=click.Choice(list(choices)),
                        multiple=multiple, help=help, **extra)
