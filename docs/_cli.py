"""A Sphinx directive that writes the command-line reference from the typer app itself.

``.. coupledgas-cli::`` renders every command of ``coupledgas.cli.app``: a section per
command (label ``coupledgas-NAME``, so pages can say ``{ref}`coupledgas run
<coupledgas-run>```), its help text, its usage line, and each option and argument as a
``.. option::`` (so ``:option:`coupledgas run --dissipation``` links to it) with the
help and default that ``--help`` prints. It reads the click command that
``typer.main.get_command`` returns through click's public methods only (typer may ship
its own copy of click, which sphinx-click does not recognise).
"""

from __future__ import annotations

import inspect
import re

import typer
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

PROG = "coupledgas"
_SPECIAL = re.compile(r"([\\*`|_])")


def _escape(text: str) -> str:
    """Plain text -> reStructuredText that renders as the same characters."""
    return _SPECIAL.sub(r"\\\1", text)


def _paragraphs(text: str) -> list[str]:
    text = inspect.cleandoc(text or "").replace("\b", "")
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def command():
    """The click command of the typer app."""
    from coupledgas.cli import app

    return typer.main.get_command(app)


def commands():
    """(name, click command, context) of every subcommand, in the app's order."""
    group = command()
    ctx = group.make_context(PROG, [], resilient_parsing=True)
    out = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        out.append((name, sub, sub.make_context(name, [], parent=ctx,
                                                resilient_parsing=True)))
    return group, ctx, out


def _param_lines(param, ctx) -> list[str]:
    record = param.get_help_record(ctx)
    if record is None:  # hidden
        return []
    name, help_text = record
    lines = [f".. option:: {name}", ""]
    for paragraph in _paragraphs(help_text):
        lines += ["   " + _escape(paragraph), ""]
    return lines


def reference_rst() -> list[str]:
    group, ctx, subs = commands()
    lines = []
    for paragraph in _paragraphs(group.help):
        lines += [_escape(paragraph), ""]
    lines += ["Commands:", ""]
    lines += [f"- :ref:`{PROG} {name} <{PROG}-{name}>`: "
              + _escape((_paragraphs(sub.help) or [""])[0]) for name, sub, _ in subs]
    lines.append("")
    for name, sub, sctx in subs:
        title = f"{PROG} {name}"
        lines += [f".. _{PROG}-{name}:", "", title, "-" * len(title), ""]
        for paragraph in _paragraphs(sub.help):
            lines += [_escape(paragraph), ""]
        usage = sub.get_usage(sctx).removeprefix("Usage:").strip()
        lines += ["Usage::", "", "    " + usage, "", f".. program:: {title}", ""]
        for param in sub.get_params(sctx):
            lines += _param_lines(param, sctx)
    return lines


class CliReference(SphinxDirective):
    """``.. coupledgas-cli::``: the whole command-line reference."""

    has_content = False

    def run(self):
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(reference_rst(), "<coupledgas-cli>"),
                                 container)
        return container.children


def setup(app):
    app.add_directive("coupledgas-cli", CliReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
