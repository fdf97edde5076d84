"""Sphinx directives that write the Python API reference from the package itself.

``.. coupledgas-toplevel::`` documents every name of ``coupledgas.__all__`` under the
``coupledgas`` namespace (``coupledgas.simulate``, ...). ``.. coupledgas-modules::``
gives each public module a section: its docstring, its documented constants (``#:``
comments), and every public function and class defined in it, except those already
documented at the top level. Both are computed at build time, so a new public function
appears in the reference without editing the docs; ``tests/test_docs.py`` checks it.

A module named like a top-level function (``coupledgas.simulate`` is both) is documented
with ``:no-index:`` on the module only, so that ``coupledgas.simulate`` refers to the
function.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

PACKAGE = "coupledgas"
#: internal: the numba kernel (private by design) and the command line (documented
#: command by command in the command-line reference)
INTERNAL = ("kernel", "cli", "__main__")
#: the modules in the order of the data flow (development page, "Where things live");
#: others follow alphabetically
ORDER = ("params", "thermo", "simulate", "observables", "onsager", "replicas", "sweep",
         "heat_engine", "critical", "ring", "spacetime", "spacetime_pictures", "movie",
         "figures", "plot", "report", "progress", "files", "checkpoint")


def toplevel_names() -> list[str]:
    package = importlib.import_module(PACKAGE)
    return [name for name in package.__all__ if not name.startswith("_")]


def public_modules() -> list[str]:
    package = importlib.import_module(PACKAGE)
    found = {m.name for m in pkgutil.iter_modules(package.__path__)
             if not m.name.startswith("_") and m.name not in INTERNAL}
    ordered = [m for m in ORDER if m in found] + sorted(found - set(ORDER))
    return [f"{PACKAGE}.{m}" for m in ordered]


def _kind(obj) -> str | None:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isfunction(obj):
        return "function"
    return None


def module_members(modname: str) -> list[tuple[str, str]]:
    """(kind, name) of what the reference documents in a module, in source order."""
    package = importlib.import_module(PACKAGE)
    module = importlib.import_module(modname)
    top = {id(getattr(package, n)) for n in toplevel_names()}
    attr_docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
    members = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        kind = _kind(obj)
        if kind is not None:
            if getattr(obj, "__module__", None) != modname or id(obj) in top:
                continue
            members.append((kind, name))
        elif ("", name) in attr_docs:
            members.append(("data", name))
    return members


def _shadowed(modname: str) -> bool:
    """Whether ``coupledgas.X`` is a top-level object rather than the module X."""
    package = importlib.import_module(PACKAGE)
    return not inspect.ismodule(getattr(package, modname.rsplit(".", 1)[1], None))


def _object_lines(kind: str, qualname: str) -> list[str]:
    lines = [f".. auto{kind}:: {qualname}"]
    if kind in ("class", "exception"):
        lines.append("   :members:")
    return lines + [""]


class _Generated(SphinxDirective):
    has_content = False

    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self):
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(self.lines(), f"<{self.name}>"),
                                 container)
        return container.children


class TopLevel(_Generated):
    """``.. coupledgas-toplevel::``: the names of ``coupledgas.__all__``."""

    def lines(self):
        package = importlib.import_module(PACKAGE)
        out = []
        for name in toplevel_names():
            out += _object_lines(_kind(getattr(package, name)), f"{PACKAGE}.{name}")
        return out


class Modules(_Generated):
    """``.. coupledgas-modules::``: one section per public module."""

    def lines(self):
        out = []
        for modname in public_modules():
            out += [f".. _api-{modname}:", "", modname, "-" * len(modname), "",
                    f".. automodule:: {modname}"]
            if _shadowed(modname):
                out.append("   :no-index:")
            out.append("")
            members = module_members(modname)
            if not members:
                out += ["Everything public here is documented at the top level.", ""]
            for kind, name in members:
                out += _object_lines(kind, f"{modname}.{name}")
        return out


def setup(app):
    app.add_directive("coupledgas-toplevel", TopLevel)
    app.add_directive("coupledgas-modules", Modules)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
