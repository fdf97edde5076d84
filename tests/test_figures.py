"""Figure recipes end to end on a tiny grid (the real presets are benchmarks, not tests)."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from coupledgas import figures
from coupledgas.cli import main
from coupledgas.figures import slides
from coupledgas.figures.common import _current_ratio
from coupledgas.figures.slides import _force_for


def made_small(name, specs, tmp_path, monkeypatch, scheduler):
    """The summary of figure ``name`` made in ``tmp_path`` on the tests' shared cluster
    (``scheduler``, conftest's ``dask_scheduler``), its sweeps replaced by
    ``specs(preset)`` (small sizes and short runs)."""
    monkeypatch.setitem(figures.RECIPES, name, replace(figures.RECIPES[name], specs=specs))
    assert main(["figure", name, "--out", str(tmp_path), "--scheduler", scheduler]) == 0
    return json.loads((tmp_path / f"{name}.json").read_text())


@pytest.mark.slow
def test_phase_transition_recipe_draws_and_locates_the_transition(tmp_path, monkeypatch,
                                                                  dask_scheduler):
    original = figures.RECIPES["phase-transition"]

    def tiny(preset):
        spec = original.specs("quick")
        spec["scan"]["base"].update(t_measure=3000.0, t_transient=500.0, bins=10)
        spec["scan"]["axes"] = {"length": [10, 30],
                                "F_u": [round(float(_force_for(d)), 6) for d in (0.2, 1.4)]}
        return spec

    monkeypatch.setitem(figures.RECIPES, "phase-transition", replace(original, specs=tiny))
    assert main(["figure", "phase-transition", "--out", str(tmp_path), "--scheduler",
                 dask_scheduler]) == 0
    for suffix in (".png", ".pdf", ".nc"):
        assert (tmp_path / f"phase-transition{suffix}").stat().st_size > 5000
    summary = json.loads((tmp_path / "phase-transition.json").read_text())
    # mixed at dT = 0.2; at dT = 1.4 the species separate and kappa grows ~ L
    alpha, pure = summary["kappa_exponent"], summary["pure_fraction_largest_L"]
    assert alpha[1] > 0.85 and alpha[1] > alpha[0] + 0.2
    assert pure[0] < 0.05 and pure[1] > 0.4


def test_figure_list_and_unknown_name(capsys):
    assert main(["figure", "--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    # every figure of the Letter and its Supplement, in its numbering, then the slides'
    assert listed[:8] == [f"fig{k}" for k in range(2, 10)]
    assert "phase-transition" in listed and "engine" in listed
    assert main(["figure", "fig99"]) == 2
    assert "unknown figure" in capsys.readouterr().err
    assert main(["figure", "fig2", "--slurm", "--workers", "2"]) == 2
    assert "--workers: choose one of --workers, --slurm" in capsys.readouterr().err


@pytest.mark.slow
def test_engine_recipe_puts_simulated_points_beside_the_linear_response_curve(
        tmp_path, monkeypatch, dask_scheduler):
    monkeypatch.setattr(slides, "engine_setup", lambda preset: dict(
        length=5.0, t_measure=3000.0, t_transient=300.0, particles=500))
    assert main(["figure", "engine", "--out", str(tmp_path), "--scheduler", dask_scheduler]) == 0
    summary = json.loads((tmp_path / "engine.json").read_text())
    assert len(summary["points"]) == 5 and summary["points"][0]["P_over_Pmax"] == 0.0
    assert 0 < summary["eta_max"] < summary["eta_carnot"]
    for part in ("loads", "onsager", "prediction", "onsager_a", "onsager_b"):
        assert (tmp_path / f"engine.{part}.nc").exists()
    # the channels' Onsager matrices are two points of an Onsager sweep
    assert len(list((tmp_path / "engine-data" / "onsager" / "points").glob("*.nc"))) == 2
    assert (tmp_path / "engine.png").stat().st_size > 5000


@pytest.mark.slow
def test_yt_recipe_adapts_the_barrier_to_the_length(tmp_path, monkeypatch, dask_scheduler):
    monkeypatch.setattr(slides, "yt_setup", lambda preset: dict(lengths=[5.0, 20.0],
                                                               t_measure=3000.0))
    assert main(["figure", "yt-vs-length", "--out", str(tmp_path),
                 "--scheduler", dask_scheduler]) == 0
    summary = json.loads((tmp_path / "yt-vs-length.json").read_text())
    assert summary["barrier_a"] == [figures.adapted_barrier(5.0), 1.0]
    assert all(np.isfinite(summary["YT"]))
    # the four Onsager matrices are sweep points: drawing it again computes nothing
    kept = {p: p.stat().st_mtime_ns
            for p in (tmp_path / "yt-vs-length-data").glob("*/points/*.nc")}
    assert len(kept) == 4
    assert main(["figure", "yt-vs-length", "--out", str(tmp_path),
                 "--scheduler", dask_scheduler]) == 0
    assert {p: p.stat().st_mtime_ns for p in kept} == kept
    assert json.loads((tmp_path / "yt-vs-length.json").read_text()) == summary


@pytest.mark.slow
def test_fig2_recipe_shows_the_inverse_currents_of_the_letter(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig2"]

    def tiny(preset):
        specs = original.specs("quick")
        for force, spec in specs.items():
            # L = 20 as in the Letter; at t = 1e4 the weakest inverse current, J_u at
            # F_rho = 0.3, is 4.6 errors below zero ("inverse" asks for 3)
            spec["base"].update(t_measure=10000.0)
            spec["axes"][force] = [0.3, 0.4]
        return specs

    summary = made_small("fig2", tiny, tmp_path, monkeypatch, dask_scheduler)
    # the Letter: J_rho < 0 against F_u at F_rho = 0; J_u < 0 against F_rho at F_u = 0
    assert summary["J_rho_inverse_points"] == 2 and summary["J_u_inverse_points"] == 2
    assert summary["J_rho_turning_point_F_u"] is None  # two forces: no point inside
    for part in ("F_u", "F_rho"):
        assert (tmp_path / f"fig2.{part}.nc").exists()


def test_a_turning_point_is_reported_only_inside_the_scanned_range():
    from coupledgas.figures.letter import turning_point

    forces = [0.1, 0.2, 0.3, 0.4]
    assert turning_point(forces, [-0.01, -0.03, -0.02, -0.01]) == 0.2
    assert turning_point(forces, [-0.01, -0.02, -0.03, -0.04]) is None  # still falling
    assert turning_point(forces, [-0.04, -0.03, -0.02, -0.01]) is None


@pytest.mark.slow
def test_fig4_recipe_shows_the_sign_change_with_the_barrier(tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig4"]

    def tiny(preset):
        specs = original.specs("quick")
        # at t = 1e4 the current at h = 1 is 5.3 errors below zero
        specs["scan"]["base"].update(length=20.0, F_u=0.3, t_measure=10000.0)
        specs["scan"]["axes"]["barrier"] = [0.0, 1.0]
        return specs

    summary = made_small("fig4", tiny, tmp_path, monkeypatch, dask_scheduler)
    # free particles flow down the temperature bias; at h = 1 the current is inverse
    assert summary["positive_at_h0"] and summary["negative_barriers"] == [1.0]


@pytest.mark.slow
def test_fig3_recipe_finds_two_inverse_regions_that_do_not_overlap(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig3"]

    def tiny(preset):
        specs = original.specs("quick")
        # at t = 1e4: J_rho at (0, 0.4) 9 errors below zero, J_u at (0.3, 0) 4.6
        specs["plane"]["base"].update(t_measure=10000.0)
        specs["plane"]["axes"] = {"F_rho": [0.0, 0.3], "F_u": [0.0, 0.4]}
        return specs

    summary = made_small("fig3", tiny, tmp_path, monkeypatch, dask_scheduler)
    # (0, 0.4): J_rho inverse; (0.3, 0): J_u inverse; never both (second law)
    assert summary["J_rho_inverse_points"] >= 1 and summary["J_u_inverse_points"] >= 1
    assert summary["both_inverse_points"] == 0
    assert summary["negative_entropy_production_points"] == 0


@pytest.mark.slow
def test_fig8_and_fig9_share_their_data_and_give_positive_diagonal_coefficients(
        tmp_path, monkeypatch, dask_scheduler):
    tiny_specs = {}
    for name in ("fig8", "fig9"):
        original = figures.RECIPES[name]

        def tiny(preset, original=original):
            specs = original.specs("quick")
            for spec in specs.values():
                spec["base"]["t_measure"] = 10000.0  # L_rr, L_uu 4 and 7 errors above zero
                spec["axes"]["length"] = [10.0, 20.0]
            return specs

        tiny_specs[name] = replace(original, specs=tiny)
        monkeypatch.setitem(figures.RECIPES, name, tiny_specs[name])
    assert main(["figure", "fig8", "--out", str(tmp_path), "--scheduler", dask_scheduler]) == 0
    assert main(["figure", "fig9", "--out", str(tmp_path), "--scheduler", dask_scheduler]) == 0
    assert not (tmp_path / "fig9-data").exists()  # fig9 reused fig8's points
    summary = json.loads((tmp_path / "fig9.json").read_text())
    assert summary["lengths"] == [10.0, 20.0]
    assert all(v > 0 for v in summary["L_rr"]) and all(v > 0 for v in summary["L_uu"])
    assert all(v > 0 for v in summary["sigma"])
    assert (tmp_path / "fig8.png").exists() and (tmp_path / "fig9.png").exists()


@pytest.mark.slow
def test_fig6_and_fig7_show_the_inverse_currents_at_every_size(
        tmp_path, monkeypatch, dask_scheduler):
    for name in ("fig6", "fig7"):
        original = figures.RECIPES[name]

        def tiny(preset, original=original):
            specs = original.specs("quick")
            for part, spec in specs.items():
                # at t = 1e4 J_rho at F_u = 0.4 is 6 (L = 10) and 9 (L = 20) errors
                # below zero
                spec["base"]["t_measure"] = 10000.0
                spec["axes"] = {"length": [10.0, 20.0], part: [0.4]}
            return specs

        monkeypatch.setitem(figures.RECIPES, name, replace(original, specs=tiny))
    assert main(["figure", "fig6", "--out", str(tmp_path), "--scheduler", dask_scheduler]) == 0
    assert main(["figure", "fig7", "--out", str(tmp_path), "--scheduler", dask_scheduler]) == 0
    assert not (tmp_path / "fig7-data").exists()  # fig7 reused fig6's points
    summary = json.loads((tmp_path / "fig7.json").read_text())
    # the particle current is inverse at both sizes (the Supplement, Fig. 6a)
    assert summary["J_rho_inverse_points"] == 2
    assert all(r < 0 for r in summary["J_rho_over_J_u_at_smallest_F_u"])


@pytest.mark.slow
def test_fig5_recipe_finds_the_bullets_domain_forming_at_the_hot_end(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig5"]

    def tiny(preset):
        specs = original.specs("quick")
        specs["scan"]["base"].update(length=40.0, t_measure=10000.0, bins=8)
        specs["scan"]["axes"]["F_u"] = [0.1, 0.5, 1.0, 1.4]
        return specs

    summary = made_small("fig5", tiny, tmp_path, monkeypatch, dask_scheduler)
    hot_end = summary["hot_end_mean_mass"]
    # mixed near equilibrium (between M2 = 0.5 and M1 = 1), bullets only at large F_u
    assert 0.6 < hot_end[0] < 0.9 and hot_end[-1] > 0.995
    assert all(a < b for a, b in zip(hot_end, hot_end[1:]))
    assert 0.1 < summary["onset_F_u"] < 1.4 and 0 < summary["onset_F_u_err"] < 0.3
    domain = summary["pure_bullet_domain_x_over_L"]
    assert domain[0] is None and domain[-1] > 0.1
    assert summary["J_rho_inverse_points"] >= 3
    assert (tmp_path / "fig5.png").stat().st_size > 5000


@pytest.mark.slow
def test_dissipation_recipe_finds_where_the_inverse_current_is_lost(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["dissipation"]

    def tiny(preset):
        spec = original.specs("quick")
        for place, part in spec.items():
            # lossy bounces pile the channel up and multiply its event rate: a short look
            part["base"].update(t_transient=100.0, collapse_time=0.1,
                                t_measure=20000.0 if place == "pass" else 1000.0)
            part["axes"] = {"length": [10.0], "dissipation": [0.0, 0.001, 0.3]
                            if place == "pass" else [0.3]}
        return spec

    summary = made_small("dissipation", tiny, tmp_path, monkeypatch, dask_scheduler)
    lossless = summary["pass, L = 10"]
    # without loss J_rho is inverse at the Fig. 2 point; a strong loss at the passes cools
    # the channel so much that the bias no longer drives bullets to the hot end
    assert lossless["J_rho"][0] < -3 * lossless["J_rho_err"][0]
    assert lossless["inverse_up_to_delta"] in (0.0, 0.001)
    assert lossless["J_rho"][2] > -2 * lossless["J_rho_err"][2]
    assert lossless["dissipated_power"][0] == 0 < lossless["dissipated_power"][2]
    for place in ("collision", "both"):  # the TC model held the lossy bounces up
        assert 0 < summary[f"{place}, L = 10"]["made_elastic_fraction"][0] < 1
    assert (tmp_path / "dissipation.png").stat().st_size > 5000


@pytest.mark.slow
def test_passing_recipe_compares_the_rules_with_the_threshold(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["passing"]

    def tiny(preset):
        spec = original.specs("quick")
        for part in spec.values():
            part["base"].update(t_measure=20000.0, t_transient=100.0)
            part["axes"]["length"] = [10.0]
        spec["smooth"]["axes"]["passing_width"] = [0.01, 3.0]
        spec["quantum"]["axes"]["barrier_width"] = [0.25, 8.0]
        return spec

    summary = made_small("passing", tiny, tmp_path, monkeypatch, dask_scheduler)
    threshold, smooth = summary["threshold, L = 10"], summary["smooth, L = 10"]
    assert threshold["inverse"]
    # a narrow smooth rule is the threshold rule: the same current within errors
    assert abs(smooth["J_rho"][0] - threshold["J_rho"]) < 4 * np.hypot(
        smooth["J_rho_err"][0], threshold["J_rho_err"])
    assert (tmp_path / "passing.png").stat().st_size > 5000


@pytest.mark.slow
def test_fig5_1280_recipe_reports_the_hot_end(tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig5-1280"]

    def tiny(preset):
        specs = original.specs("paper")
        specs["hot-end"]["base"].update(length=40.0, t_measure=5000.0, bins=8)
        specs["hot-end"]["axes"]["F_u"] = [0.1, 1.4]
        return specs

    summary = made_small("fig5-1280", tiny, tmp_path, monkeypatch, dask_scheduler)
    mixed, pure = summary["points"]
    # as the fig5 test: mixed near equilibrium, bullets only (1% criterion) at F_u = 1.4
    assert 0.6 < mixed["hot_end_mass"] < 0.9 and mixed["near_pure_extent"] is None
    assert pure["hot_end_mass"] > 0.995 and pure["pure_extent"] >= 5.0
    assert pure["near_pure_extent"] >= pure["pure_extent"]
    assert not mixed["errors_reliable"]  # 6 relaxation times L^2 / 2, not 16
    assert summary["cpu_seconds"] > 0
    assert (tmp_path / "fig5-1280.png").stat().st_size > 5000


def test_a_rise_of_the_rescaled_current_is_counted_in_errors_above_its_minimum():
    from coupledgas.figures.letter_sizes import enhancement

    forces = np.array([0.2, 0.3, 0.4, 0.5, 0.6])
    # the Letter's Fig. 5(a) inset: |L~| decays, then rises again above the onset
    rise = enhancement(forces, [-60.0, -55.0, -50.0, -56.0, -70.0], [2.0] * 5)
    assert rise["minimum_F_u"] == 0.4 and rise["rise_at_F_u"] == 0.6
    assert rise["rise_in_errors"] == pytest.approx(20.0 / np.hypot(2.0, 2.0))
    assert rise["rise_from_F_u"] == 0.5  # 6 / 2.83 = 2.1 errors already there
    # still decaying at the last force: no rise inside the scan
    assert enhancement(forces, [-60, -55, -50, -45, -40], [2.0] * 5)["minimum_F_u"] is None


def test_hysteresis_compares_an_up_and_a_down_chain_at_their_common_forces():
    from coupledgas.figures.letter_sizes import hysteresis

    def chain(J_rho, hot_end):
        forces = [0.2, 0.4, 0.6]
        return xr.Dataset(
            {"J_rho": ("F_u", J_rho), "J_rho_err": ("F_u", [0.001] * 3),
             "mean_mass": (("F_u", "x_edge"), np.array([hot_end, [0.8] * 3]).T),
             "mean_mass_err": (("F_u", "x_edge"), np.full((3, 2), 0.003))},
            coords={"F_u": forces})

    up = chain([-0.01, -0.02, -0.04], [0.95, 0.98, 0.999])
    down = chain([-0.01, -0.024, -0.04], [0.95, 0.98, 0.999])
    found = hysteresis(up, down.isel(F_u=slice(None, None, -1)))  # a down-chain's order
    assert found["forces"] == [0.2, 0.4, 0.6]
    assert found["J_rho_largest_difference_in_errors"] == pytest.approx(
        0.004 / np.hypot(0.001, 0.001))
    assert found["hot_end_mass_largest_difference_in_errors"] == 0.0


@pytest.mark.slow
def test_fig5_sizes_recipe_runs_up_and_down_chains_of_forces(tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig5-sizes"]

    def tiny(preset):
        specs = {part: spec for part, spec in original.specs("paper").items()
                 if part.startswith("L320")}
        for spec in specs.values():
            spec["base"].update(length=20.0, t_transient=400.0, t_measure=5000.0, bins=4)
            spec["chain_transient"] = 100.0
            spec["axes"]["F_u"] = [0.1, 0.8, 1.4][::1 if spec["axes"]["F_u"][0] < 0.5
                                                  else -1]
        return {part.replace("320", "20"): spec for part, spec in specs.items()}

    summary = made_small("fig5-sizes", tiny, tmp_path, monkeypatch, dask_scheduler)
    up, down = summary["chains"]
    assert (up["chain"], down["chain"]) == ("L20-up", "L20-down")
    for chain, first in ((up, 0), (down, -1)):
        assert chain["F_u"] == [0.1, 0.8, 1.4]  # listed by force, whichever the order run
        # the first point discards at least the transient from equilibrium, the others at
        # least the chain's (warm-up detection may discard more)
        transients = chain["t_transient"]
        assert transients[first] >= 400.0 and min(transients) >= 100.0
        assert all(j < 0 for j in chain["J_rho"])  # inverse at every force
    assert set(summary["hysteresis"]["L20"]) >= {"J_rho_largest_difference_in_errors"}
    assert (tmp_path / "fig5-sizes.png").stat().st_size > 5000


@pytest.mark.slow
def test_fig4_160_recipe_finds_the_sign_change_at_both_lengths(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig4-160"]

    def tiny(preset):
        specs = original.specs("paper")
        # J_rho at h = 1 is 4 errors below zero at t = 1e4, 16 relaxation times at L = 20
        specs["sign-change"]["base"].update(F_u=0.3, t_measure=10000.0)
        specs["sign-change"]["axes"] = {"length": [10.0, 20.0],
                                        "barrier": [0.0, 0.5, 1.0, 2.0]}
        return specs

    summary = made_small("fig4-160", tiny, tmp_path, monkeypatch, dask_scheduler)
    # free particles flow down the temperature bias, h = 1 gives the inverse current:
    # a sign change in between at both lengths
    assert all(0.0 < h < 1.0 for h in summary["h_star"])
    assert all(0.0 < e < 0.5 for e in summary["h_star_err"])
    assert summary["cpu_seconds"] > 0 and summary["errors_reliable"]
    assert (tmp_path / "fig4-160.png").stat().st_size > 5000


def redrawn_from_the_gallery(name, tmp_path):
    """The summary of a spot check redrawn in ``tmp_path`` from the gallery's committed
    points, checking that none had to be computed."""
    gallery = Path(__file__).parents[1] / "docs" / "figures" / f"{name}-data"
    shutil.copytree(gallery, tmp_path / f"{name}-data")
    points = sorted((tmp_path / f"{name}-data").rglob("points/*.nc"))
    assert main(["figure", name, "--out", str(tmp_path)]) == 0
    assert sorted((tmp_path / f"{name}-data").rglob("points/*.nc")) == points  # none run
    return json.loads((tmp_path / f"{name}.json").read_text())


def test_the_gallery_redraws_the_fig5_1280_spot_check_from_its_committed_points(tmp_path):
    summary = redrawn_from_the_gallery("fig5-1280", tmp_path)
    # at L = 1280 the hot end fills with bullets as F_u passes 0.4, the current inverse
    masses = [point["hot_end_mass"] for point in summary["points"]]
    assert masses == sorted(masses) and 0.95 < masses[0] < masses[-1] < 1.0
    assert all(point["J_rho"] < -3 * point["J_rho_err"] for point in summary["points"])
    assert summary["points"][0]["near_pure_extent"] is None
    assert summary["points"][-1]["near_pure_extent"] > 50.0


def test_the_gallery_redraws_fig5_at_the_letters_sizes_from_its_committed_chains(tmp_path):
    summary = redrawn_from_the_gallery("fig5-sizes", tmp_path)
    chains = {chain["chain"]: chain for chain in summary["chains"]}
    assert set(chains) == {"L320-up", "L320-down", "L640-up", "L1280-up", "L1280-down"}
    # the inverse current at every force and size, the hot end filling with bullets
    for chain in chains.values():
        assert all(j < 0 for j in chain["J_rho"])
        assert chain["hot_end_mean_mass"] == sorted(chain["hot_end_mean_mass"])
    # the two branches agree at L = 320 and 1280: no hysteresis in the current, and
    # their differences are those of honest errors (an RMS near 1 over 8 forces)
    for length in ("L320", "L1280"):
        branches = summary["hysteresis"][length]
        assert branches["J_rho_largest_difference_in_errors"] < 3
        assert 0.4 < branches["J_rho_rms_normalised_difference"] < 1.6
    # both branches at L = 1280 together: every force's error below 0.002, and
    # |J_rho L / F_u| has its minimum inside the scan and rises after it
    combined = {b["length"]: b for b in summary["both_branches"]}[1280.0]
    assert max(combined["J_rho_err"]) < 0.002
    assert 0.2 < combined["minimum_F_u"] < 0.7 and combined["rise_in_errors"] > 0
    # at L = 1280 |J_rho L / F_u| has its smallest value inside the scan, at 0.4
    assert chains["L1280-up"]["minimum_F_u"] == 0.4


def test_the_gallery_redraws_the_fig9_320_spot_check_from_its_committed_points(tmp_path):
    summary = redrawn_from_the_gallery("fig9-320", tmp_path)
    assert summary["lengths"] == [40.0, 80.0, 160.0, 320.0] and summary["errors_reliable"]
    for k in range(4):  # reciprocal, inverse coupling, and linear response at f = 0.2
        gap = summary["L_ru"][k] - summary["L_ur"][k]
        assert abs(gap) < 4 * np.hypot(summary["L_ru_err"][k], summary["L_ur_err"][k])
        assert summary["L_ru"][k] < -3 * summary["L_ru_err"][k] and summary["S"][k] < 0
        assert all(abs(shift) < 3 for shift in summary["nonlinear_shift_in_errors"][k].values())
    assert summary["ZT"] == sorted(summary["ZT"])  # ZT grows with L (the Letter, Fig. 9)


@pytest.mark.slow
def test_fig9_320_recipe_gives_reciprocal_matrices_and_the_reference_L_ru(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["fig9-320"]

    def tiny(preset):  # L = 10 and 20 for the recipe's 40 and 80, runs 20 times shorter
        specs = original.specs("paper")
        small = {}
        for length, part in ((10.0, "L40"), (20.0, "L80")):
            spec = specs[part]
            spec["base"].update(length=length, t_measure=spec["base"]["t_measure"] / 20)
            small[f"L{length:g}"] = spec
        return small

    summary = made_small("fig9-320", tiny, tmp_path, monkeypatch, dask_scheduler)
    assert summary["lengths"] == [10.0, 20.0]
    for k in range(2):
        # Onsager reciprocity, and the inverse-current coupling of the Letter (S < 0)
        gap = summary["L_ru"][k] - summary["L_ur"][k]
        assert abs(gap) < 4 * np.hypot(summary["L_ru_err"][k], summary["L_ur_err"][k])
        assert summary["S"][k] < 0 and summary["ZT"][k] > 0
    # L = 20, h = 1: the long reference of docs/results.md, "Why the Onsager defaults"
    # (L_ru = -4.48 +- 0.05)
    assert abs(summary["L_ru"][1] + 4.48) < 4 * summary["L_ru_err"][1]
    assert summary["L_ru_err"][1] < 0.5 * 4.48
    assert (tmp_path / "fig9-320.png").stat().st_size > 5000


def test_a_current_ratio_is_as_precise_as_its_currents_are_correlated():
    point = {"J_rho": 1.0, "J_rho_err": 0.1, "J_u": 2.0, "J_u_err": 0.2}
    # errors in proportion to the currents and fully correlated: the ratio is exact
    ratio, err = _current_ratio(xr.Dataset({**point, "J_rho_J_u_correlation": 1.0}),
                                "J_rho", "J_u")
    assert float(ratio) == 0.5 and float(err) == pytest.approx(0.0, abs=1e-12)
    # a point that did not record the correlation: independent errors
    _, err = _current_ratio(xr.Dataset(point), "J_rho", "J_u")
    assert float(err) == pytest.approx(0.5 * np.sqrt(0.02))
    _, err = _current_ratio(xr.Dataset({**point, "J_rho_J_u_correlation": -1.0}),
                            "J_rho", "J_u")
    assert float(err) == pytest.approx(0.5 * 0.2)


def test_the_gallery_redraws_the_fig4_160_spot_check_from_its_committed_points(tmp_path):
    summary = redrawn_from_the_gallery("fig4-160", tmp_path)
    # the sign change at the Letter's L = 160 lies below the one at L = 40
    assert 0.2 < summary["h_star"][1] < summary["h_star"][0] < 0.5
