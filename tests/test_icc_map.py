"""The map of inverse currents over the masses, the barrier and the rod fraction
(``coupledgas figure icc-map``): a tiny map end to end, and the gallery's map redrawn."""

import numpy as np
import pytest
from test_figures import made_small, redrawn_from_the_gallery

from coupledgas import figures, thermo
from coupledgas.figures.icc_map import letter_rods

#: the tiny map's channel: short, so that 2 x 2 Onsager matrices take a few CPU seconds
TINY_LENGTH = 5.0


def free_gas_normalised_cross_coefficient(length, m_rod, n_rods):
    """L_ru / sqrt(L_rr L_uu) at h = 0 near the Letter's (T, mu): the free channel's exact
    matrix (``thermo.free_channel_onsager``; docs/model.md, "Exact results the tests hold
    the code to")."""
    exact = thermo.free_channel_onsager(1.0, 1.5, 1.0, m_rod, n_rods, length)
    return exact["L_ru"] / np.sqrt(exact["L_rr"] * exact["L_uu"])


@pytest.mark.slow
def test_a_tiny_icc_map_finds_free_bullets_normal_and_lists_every_point(
        tmp_path, monkeypatch, dask_scheduler):
    original = figures.RECIPES["icc-map"]

    def tiny(preset):
        spec = original.specs("quick")["L20"]
        spec["base"].update(length=TINY_LENGTH, t_measure=4000.0)
        spec["axes"] = {"n_rods": [letter_rods(TINY_LENGTH)], "m_rod": [0.5, 2.0],
                        "barrier": [0.0, float("inf")]}
        return {"L20": spec}

    summary = made_small("icc-map", tiny, tmp_path, monkeypatch, dask_scheduler)
    points = summary["points"]
    assert [(p["mass_ratio"], p["barrier"]) for p in points] == [
        (0.5, 0.0), (0.5, "inf"), (2.0, 0.0), (2.0, "inf")]
    for p in points:
        assert p["n_rods"] == 11 and 0.3 < p["rod_fraction"] < 0.35
        assert {"L_ru_normalised_err", "ZT", "ZT_err"} <= set(p)
    for p in (p for p in points if p["barrier"] == 0.0):  # free bullets: the exact value
        exact = free_gas_normalised_cross_coefficient(TINY_LENGTH, p["mass_ratio"],
                                                      p["n_rods"])
        assert abs(p["L_ru_normalised"] - exact) < 3 * p["L_ru_normalised_err"]
    assert summary["positive_at_h0_everywhere"]
    # no bullet passes a rod at h = inf: no inverse current, only noise around 0 / 0
    assert not any(p["inverse"] for p in points)
    assert summary["inverse_points"] == [] and summary["M1_greater_than_M2_crucial"]
    assert (tmp_path / "icc-map.png").stat().st_size > 5000


def test_the_gallery_redraws_the_icc_map_with_the_letters_point_inverse(tmp_path):
    summary = redrawn_from_the_gallery("icc-map", tmp_path)
    points = summary["points"]
    assert len(points) == 7 * 7 * 3
    # free bullets (h = 0) flow down the temperature bias at every mass ratio and rod
    # number, as the exact free gas says
    free = [p for p in points if p["barrier"] == 0.0]
    assert len(free) == 21
    assert all(p["L_ru_normalised"] > 2 * p["L_ru_normalised_err"] for p in free)
    for p in free:
        exact = free_gas_normalised_cross_coefficient(20.0, p["mass_ratio"], p["n_rods"])
        assert abs(p["L_ru_normalised"] - exact) < 3 * p["L_ru_normalised_err"]
    # the Letter's point, M2/M1 = 0.5, h = 1 with its default 45 rods: inverse
    letter = next(p for p in points if (p["mass_ratio"], p["barrier"], p["n_rods"])
                  == (0.5, 1.0, 45))
    assert letter["L_ru_normalised"] < -2 * letter["L_ru_normalised_err"] < 0
    # heavier rods than bullets: no inverse point (the Letter: "M1 > M2 is crucial")
    assert summary["M1_greater_than_M2_crucial"]
    assert not any(p["inverse_by_L_ru"] for p in points if p["mass_ratio"] >= 1.0)
    assert summary["inverse_points"] and all(p["inverse"] == (
        p["L_ru_normalised"] is not None and p["L_ru_normalised"]
        < -2 * p["L_ru_normalised_err"]) for p in points)
