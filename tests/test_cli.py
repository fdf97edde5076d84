"""The command line: results as JSON or netCDF, and one clear line for bad input."""

import json
import subprocess
import sys

import pytest
import xarray as xr

from coupledgas.cli import main

BAD_INPUT = [
    (["--length", "-1"], "--length"),
    (["--length", "0"], "--length"),
    (["--m-bullet", "0"], "--m-bullet"),
    (["--m-rod", "-2"], "--m-rod"),
    (["--T", "-1"], "--T"),
    (["--T-left", "0"], "--T-left"),
    (["--t-measure", "0"], "--t-measure"),
    (["--t-transient", "-5"], "--t-transient"),
    (["--barrier", "-0.1"], "--barrier"),
    (["--rods", "-3"], "--n-rods"),
    (["--n-bullets", "-1", "--bullet-walls", "thermal"], "--n-bullets"),
    (["--mu", "nan"], "--mu"),
    (["--F-u", "nan"], "--F-u"),
    (["--rod-walls", "sticky"], "--rod-walls"),
    (["--length", "twenty"], "--length"),
    (["--F-u", "0.1", "--T-right", "2"], "--T-right"),
]


@pytest.mark.parametrize("args,name", BAD_INPUT)
def test_bad_input_gives_one_line_naming_the_parameter_and_exit_code_2(args, name,
                                                                       error_line):
    assert main(["run", *args]) == 2
    assert name in error_line()


def test_installed_command_reports_bad_input_without_a_traceback():
    proc = subprocess.run([sys.executable, "-m", "coupledgas.cli", "run", "--barrier", "-1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "coupledgas: error: --barrier: must be >= 0, got -1"]


def test_json_output_has_the_documented_keys(capsys, tmp_path):
    out = tmp_path / "run.nc"
    assert main(["run", "--length", "5", "--t-measure", "500", "--t-transient", "10",
                 "--seed", "3", "--json", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("J_rho", "J_rho_err", "J_u", "J_u_err", "T_L", "T_R", "mu_L", "mu_R",
                "n_rods", "events", "events_per_second", "t_measure", "seed",
                "entropy_production"):
        assert key in result
    assert result["seed"] == 3 and result["F_u"] == 0.3 and result["F_rho"] == 0.0
    assert result["events"] > 0 and result["events_per_second"] > 0
    ds = xr.open_dataset(out)
    assert ds.J_rho.item() == result["J_rho"]
    assert ds.attrs["seed"] == 3 and "coupledgas_version" in ds.attrs
    assert not list(tmp_path.glob(".*.tmp*"))  # written atomically, nothing left over


def test_readable_summary_names_the_inverse_current(capsys):
    assert main(["run", "--length", "10", "--t-measure", "20000", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "J_rho flows against both forces" in out
    assert "M events/s" in out


def test_one_force_given_means_the_other_is_zero(capsys):
    assert main(["run", "--length", "4", "--t-measure", "100", "--F-rho", "0.2",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["F_rho"], result["F_u"]) == (0.2, 0.0)


def test_one_replica_on_two_workers_reports_no_spread_of_replicas(capsys):
    # a spread of replicas needs two of them: a single one reports none (and no error)
    assert main(["run", "--length", "4", "--t-measure", "200", "--workers", "2"]) == 0
    assert "replicas" not in capsys.readouterr().out
    assert main(["run", "--length", "4", "--t-measure", "200", "--workers", "2",
                 "--json"]) == 0
    assert not any(k.startswith("spread_ratio") for k in json.loads(capsys.readouterr().out))


def test_the_default_transient_grows_with_the_relaxation_time_of_the_channel():
    from coupledgas.params import RunParams

    # max(200, L^2 / 2): the species' segregation relaxes diffusively
    assert RunParams.create(length=5).t_transient == 200.0
    assert RunParams.create(length=20).t_transient == 200.0
    assert RunParams.create(length=320).t_transient == 51200.0
    assert RunParams.create(length=320, t_transient=10).t_transient == 10.0


def test_version_is_the_package_version(capsys):
    from coupledgas import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"coupledgas {__version__}"


def test_the_command_line_and_python_share_one_name_and_its_aliases(capsys):
    from coupledgas.params import ALIASES, canonical

    runs = []
    for option in ("--n-rods", "--rods"):  # --rods is the documented alias
        assert main(["run", "--length", "4", "--t-measure", "50", option, "3",
                     "--json"]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[0] == runs[1] | {"events_per_second": runs[0]["events_per_second"]}
    assert runs[0]["n_rods"] == 3
    assert {canonical(alias) for alias in ALIASES} == {"n_rods", "n_bullets",
                                                      "interaction_range"}


def test_an_unknown_keyword_is_answered_with_the_closest_known_name():
    from coupledgas import simulate
    from coupledgas.params import ParameterError
    from coupledgas.sweep import SweepSpec

    with pytest.raises(ParameterError, match=r"lenght: is not a run parameter "
                                             r"\(did you mean 'length'\?\)"):
        simulate(lenght=5)
    with pytest.raises(ParameterError, match="barier.*did you mean 'barrier'"):
        SweepSpec.load({"base": {"barier": 1}, "axes": {"F_u": [0.1]}})
    simulate(rods=0, length=2, t_measure=10, t_transient=1, bins=0)  # an alias is known


def test_each_choice_list_is_declared_once_and_the_cli_and_kernel_read_it():
    from coupledgas import cli_options, params
    from coupledgas.kernel import layout
    from coupledgas.onsager import METHODS

    # one registry per choice, in the kernel's layout: params checks against it, the
    # command line offers it, each entry has its kernel code and its description
    assert params.PASSING_RULES is layout.PASSING_RULES
    assert params.DISSIPATION_PLACES is layout.DISSIPATION_PLACES
    assert params.WALL_RULES is layout.WALL_RULES
    assert [c.value for c in cli_options.Passing] == list(layout.PASSING_RULES)
    assert [c.value for c in cli_options.DissipateAt] == list(layout.DISSIPATION_PLACES)
    assert [c.value for c in cli_options.BulletWalls] == list(layout.WALL_RULES)
    assert [c.value for c in cli_options.Walls] == ["thermal", "specular"]  # rods: no exchange
    assert [c.value for c in cli_options.Method] == list(METHODS)
    for rules in (layout.PASSING_RULES, layout.DISSIPATION_PLACES, layout.WALL_RULES):
        codes = [rule.code for rule in rules.values()]
        assert len(set(codes)) == len(codes) and all(rule.description for rule in
                                                     rules.values())
        # what a rule alone reads is a channel field
        assert {p for rule in rules.values() for p in rule.parameters} <= \
            set(params.Channel.names())


def test_compile_readies_every_event_loop_and_says_so(capsys):
    from coupledgas.kernel import dynamics, shoulders

    assert main(["compile"]) == 0
    assert capsys.readouterr().out.startswith("kernel ready: every event loop compiled")
    for loop in (dynamics.advance_channel, dynamics.advance_ring, shoulders.advance_shoulders):
        assert loop.signatures  # compiled, or loaded from the cache, in this process


def test_the_session_compiled_every_loop_before_its_tests(pytestconfig):
    code, stderr = pytestconfig.kernel_compile  # conftest's pytest_sessionstart
    assert code == 0, stderr
    assert "Traceback" not in stderr
