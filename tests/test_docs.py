"""The documentation site builds with warnings as errors, executes the tutorial, and
covers every public function and command.

One build serves every test here (about 40 s on two cores once the kernel is compiled;
the tutorial's execution is most of it). The docs tools come with the ``test`` extra;
if they are missing the tests fail with the install command, unless
COUPLEDGAS_SKIP_DOCS=1 says to skip them (CI never sets it).
"""

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TOOLS = ("sphinx", "numpydoc", "myst_nb", "ipykernel")
#: the command the README gives for the site
README_COMMAND = 'pip install ".[docs]" && sphinx-build -W -b html docs docs/_build/html'


def _require_tools():
    missing = [name for name in TOOLS if importlib.util.find_spec(name) is None]
    if not missing:
        return
    message = (f"the documentation tools are missing ({', '.join(missing)}): "
               f'pip install ".[docs]" (the test extra includes them)')
    if os.environ.get("COUPLEDGAS_SKIP_DOCS") == "1":
        pytest.skip(message)
    pytest.fail(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built like the README's command, with -W --keep-going.

    The build (and so the tutorial's kernel) imports the same coupledgas as the rest of
    the suite: the installed one, or the one PYTHONPATH names.
    """
    _require_tools()
    out = tmp_path_factory.mktemp("docs") / "html"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         str(DOCS), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    assert result.returncode == 0, (
        f"sphinx-build -W failed (exit {result.returncode}) after {seconds:.0f} s:\n"
        f"{result.stderr[-6000:]}\n{result.stdout[-2000:]}")
    return out


def _text(html_file: Path) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", "", html_file.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def _inventory(site: Path) -> dict:
    """Object type -> names, from the site's objects.inv."""
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as stream:
        inventory = InventoryFile.load(stream, "", lambda base, uri: uri)
    data = getattr(inventory, "data", inventory)  # Sphinx >= 8.2 wraps the dict
    return {kind: set(entries) for kind, entries in data.items()}


def test_readme_states_the_command_that_builds_the_site():
    readme = (ROOT / "README.md").read_text()
    assert "## Documentation" in readme
    assert README_COMMAND in readme
    assert "docs/_build/" in (ROOT / ".gitignore").read_text()


@pytest.mark.slow
def test_site_builds_with_warnings_as_errors_and_has_every_page(site):
    for page in ("index", "getting-started", "model", "tutorial", "cli", "api/index",
                 "api/modules", "guarantees", "performance", "figures/README",
                 "setups/letter", "setups/heat-baths", "setups/dissipation",
                 "setups/ring", "setups/engine", "setups/critical-barrier"):
        assert (site / f"{page}.html").is_file(), page


@pytest.mark.slow
def test_tutorial_is_executed_and_rendered_with_its_outputs(site):
    page = site / "tutorial.html"
    text = _text(page)
    assert "Traceback" not in text and "Error" not in text.replace("BookkeepingError", "")
    # printed results of the run, the Onsager matrix, and the sweep
    assert re.search(r"J_rho = -0\.\d+ \+- 0\.\d+", text), "the Fig. 2 run printed nothing"
    assert re.search(r"reciprocity gap \(L_ru - L_ur\) = [+-]\d", text)
    assert "True True" in text, "rerunning the sweep was not bit for bit"
    # the Dataset's HTML representation and the plots, as images of the page
    assert "xarray.Dataset" in text
    images = re.findall(r'<img[^>]+src="(_images/[0-9a-f]{20,}\.png)"', page.read_text())
    assert len(images) >= 2, "the tutorial's figures are not in the page"
    assert all((site / image).stat().st_size > 5000 for image in images)


@pytest.mark.slow
def test_every_public_function_and_module_member_is_in_the_api_reference(site):
    sys.path.insert(0, str(DOCS))
    try:
        import _api
    finally:
        sys.path.remove(str(DOCS))
    inventory = _inventory(site)
    documented = set().union(*(entries for kind, entries in inventory.items()
                               if kind.startswith("py:")))
    expected = {f"coupledgas.{name}" for name in _api.toplevel_names()}
    for modname in _api.public_modules():
        expected |= {f"{modname}.{name}" for _, name in _api.module_members(modname)}
    assert expected - documented == set()
    import coupledgas

    assert {f"coupledgas.{n}" for n in coupledgas.__all__ if n != "__version__"} <= documented
    # the public modules are every module but the private kernel and the command line
    assert {m.rsplit(".", 1)[1] for m in _api.public_modules()} >= {
        "thermo", "observables", "onsager", "heat_engine", "critical", "replicas", "plot",
        "progress", "files", "sweep", "ring", "params", "simulate", "figures", "checkpoint"}


@pytest.mark.slow
def test_every_command_and_option_is_in_the_cli_reference(site):
    sys.path.insert(0, str(DOCS))
    try:
        import _cli
    finally:
        sys.path.remove(str(DOCS))
    inventory = _inventory(site)
    labels = inventory["std:label"]
    options = inventory["std:cmdoption"]
    _, _, commands = _cli.commands()
    assert {name for name, _, _ in commands} >= {
        "run", "resume", "onsager", "heat-engine", "critical-barrier", "ring", "sweep",
        "figure", "plot"}
    for name, command, ctx in commands:
        assert f"coupledgas-{name}" in labels, name
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            flag = record[0].split()[0].rstrip(",")
            assert f"coupledgas-{name}.{flag}" in options, (name, flag)


#: a citation of a documentation page in code: docs/<page>.md, optionally with "<section>"
CITATION = re.compile(r'docs/([\w/-]+\.md)(?:[,;]?\s*(?:\(|)"([^"]+)")?')


def test_every_page_the_code_cites_exists_with_its_section():
    cited = 0
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("tests/*.py"),
                 *ROOT.glob("benchmarks/*.py")]:
        text = " ".join(path.read_text().split())  # citations may wrap
        for page, section in CITATION.findall(text):
            if page.startswith("_build"):
                continue
            target = DOCS / page
            assert target.is_file(), f"{path.name} cites docs/{page}, which does not exist"
            if section:
                headings = [line.lstrip("#").strip() for line in target.read_text().splitlines()
                            if line.startswith("#")]
                assert section in headings, f"{path.name} cites docs/{page}, '{section}'"
            cited += 1
    assert cited >= 15
