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
TOOLS = ("sphinx", "numpydoc", "myst_nb", "ipykernel", "sphinx-mathjax-offline")
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


def test_readme_opens_with_the_two_commands_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, flags=re.S).group(1)
    assert first_block.splitlines() == ['pip install . && coupledgas run',
                                        'pip install ".[test]" && pytest']
    links = re.findall(r"\]\(((?:docs/)[^)#]+)\)", readme)
    assert len(links) >= 10
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert missing == [], f"the README links to missing files: {missing}"


@pytest.mark.slow
def test_site_builds_with_warnings_as_errors_and_has_every_page(site):
    for page in ("index", "getting-started", "model", "tutorial", "cli", "api/index",
                 "api/modules", "guarantees", "performance", "figures/README",
                 "results", "sweeps", "development",
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


def test_the_code_cites_the_documentation_not_the_readme():
    """The package's comments and docstrings cite docs pages (or the papers), not the
    README: the README is a front door whose content may move."""
    readme = re.compile(r"(?<![\w/])README(?![\w.])")
    citing = [f"{path.relative_to(ROOT)}:{number}"
              for path in ROOT.glob("src/**/*.py")
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if readme.search(line)]
    assert citing == []


#: a script loaded from another host (http://, https:// or protocol-relative //)
REMOTE_SCRIPT = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//""", re.I)


@pytest.mark.slow
def test_site_reads_offline_with_its_own_math_renderer(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 15
    remote = [str(page.relative_to(site)) for page in pages
              if REMOTE_SCRIPT.search(page.read_text(errors="replace"))]
    assert remote == [], f"pages that load a remote script: {remote}"
    # the model page's equations are rendered by a MathJax served from the site itself
    model = (site / "model.html").read_text()
    assert "\\[" in model or "\\(" in model, "the model page has no math"
    sources = re.findall(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']*mathjax[^"']*)["']""",
                         model, flags=re.I)
    assert sources, "the model page loads no MathJax"
    for source in sources:
        local = site / source.split("?")[0]
        assert local.is_file() and local.stat().st_size > 100_000, source
    fonts = site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert fonts.is_dir() and any(fonts.iterdir()), "MathJax's fonts are not in the site"


def test_every_choice_of_a_registry_is_explained_on_its_setup_page():
    # the command line's choices and the CLI reference read the registries; the prose
    # that explains each choice is written by hand, so a new one must not be forgotten
    from coupledgas.kernel.layout import DISSIPATION_PLACES, PASSING_RULES, WALL_RULES

    for page, registry in (("setups/dissipation.md", PASSING_RULES),
                           ("setups/dissipation.md", DISSIPATION_PLACES),
                           ("setups/heat-baths.md", WALL_RULES)):
        text = (DOCS / page).read_text()
        for name in registry:
            assert f"`{name}`" in text, (page, name)
