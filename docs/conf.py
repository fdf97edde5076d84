"""Sphinx configuration of the coupledgas documentation.

Build (from the repository root): ``pip install ".[docs]" && sphinx-build -W -b html docs
docs/_build/html``. The API reference and the tutorial use the ``coupledgas`` that
Python imports (the one that command has just installed from this checkout, or the one
``PYTHONPATH`` names); if none is installed, the ``src/`` beside this file. The
tutorial is executed at every build, so its outputs always come from that code.
"""

import importlib.util
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
SRC = DOCS.parent / "src"
sys.path.insert(0, str(DOCS))  # for the _cli and _api extensions
if importlib.util.find_spec("coupledgas") is None:
    sys.path.insert(0, str(SRC))
    # the notebook runs in a separate kernel process: give it the same source tree
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(SRC)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

import coupledgas  # noqa: E402

project = "coupledgas"
author = "the coupledgas developers"
copyright = "the coupledgas developers, MIT licence"
release = coupledgas.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped in the package and copied into _static/mathjax/ of the built
    # site (it sets mathjax_path), so the equations render offline, without a CDN
    "sphinx-mathjax-offline",
    "numpydoc",
    "_cli",  # the command-line reference (docs/_cli.py)
    "_api",  # the Python API reference (docs/_api.py)
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints"]

# --- MyST (Markdown pages) ---
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- MyST-NB (the tutorial): executed at every build, an error fails the build ---
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# --- autodoc + numpydoc (the API reference) ---
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc "Parameters" sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()
nitpicky = True  # an unresolved cross reference (a renamed function, say) fails the build

# --- HTML ---
html_theme = "alabaster"
html_title = f"coupledgas {release}"
html_static_path = []
html_theme_options = {
    "description": "Inverse currents in Hamiltonian coupled transport",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
