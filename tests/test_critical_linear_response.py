"""The critical barrier of linear response (the sign of L_ru) and the local exponents of
h* ~ L^beta between neighbouring lengths (docs: the critical-barrier set-up)."""

import numpy as np
import pytest
from test_figures import redrawn_from_the_gallery

from coupledgas import critical_barrier, linear_response
from coupledgas.critical import local_exponents
from coupledgas.figures.conjecture import free_channel_matrix
from coupledgas.params import ParameterError


def test_local_exponents_of_a_power_law_are_its_exponent_with_errors_from_both_sizes():
    L = np.array([20.0, 40.0, 80.0])
    h = 0.6 * (L / 20.0) ** -0.5
    beta, beta_err = local_exponents(L, h, 0.02 * h)
    assert beta == pytest.approx([-0.5, -0.5])
    # two 2% errors in quadrature over one doubling: 0.0283 / ln 2
    assert beta_err == pytest.approx([0.02 * np.sqrt(2) / np.log(2)] * 2)


def test_linear_response_finds_l_ru_changing_sign_between_free_and_blocked_bullets(
        tmp_path, dask_scheduler):
    # free bullets (h -> 0) carry L_ru = gamma T L > 0 (docs: the model's exact results);
    # at h = 1 the channel of length 16 is inverse in linear response
    result = critical_barrier(lengths=(16,), barriers=(0.02, 1.0), response="linear",
                              t_measure=8000, out=tmp_path, scheduler=dask_scheduler)
    assert result["response"] == "linear" and result["force"] == 0.4
    (L_ru,), (err,) = result["L_ru"], result["L_ru_err"]
    assert L_ru[0] > 3 * err[0] and L_ru[1] < -2 * err[1]
    assert 0.02 < result["h_star"][0] < 1.0 and result["h_star_err"][0] > 0
    assert result["cpu_seconds"][0] > 0
    assert (tmp_path / "L16" / "results.nc").exists()  # a sweep per length, resumable


@pytest.mark.parametrize("keywords,name", [({"response": "linar"}, "response"),
                                           ({"barriers": {40.0: [0.1, 0.2]}}, "barriers")])
def test_bad_linear_response_input_names_the_parameter(keywords, name, tmp_path):
    with pytest.raises(ParameterError, match=name):
        critical_barrier(lengths=(20,), out=tmp_path, **keywords)


def test_the_engine_of_two_free_channels_has_no_figure_of_merit():
    # channel B of the yt-conjecture recipe is exact: S = (T - mu) / T for free bullets
    # (L_ru / L_rr = T), whatever the rods add to L_uu; two equal channels make no engine
    free = free_channel_matrix(20.0)
    assert free.S.item() == pytest.approx((1.0 - 1.5) / 1.0)
    assert free.L_uu.item() > 2 * free.L_ru.item()  # bullets' 2 gamma T^2 L, plus rods
    assert linear_response(free, free, 1.05, 0.95).YT.item() == pytest.approx(0.0, abs=1e-12)


def test_the_gallery_redraws_the_conjecture_with_h_star_falling_like_one_over_root_l(
        tmp_path):
    summary = redrawn_from_the_gallery("yt-conjecture", tmp_path)
    assert summary["lengths"] == [20.0, 40.0, 80.0]
    # every doubling of L divides h* of linear response by about sqrt 2
    h_star = summary["h_star"]
    assert h_star == sorted(h_star, reverse=True)
    for beta, err in zip(summary["local_exponents"], summary["local_exponents_err"]):
        assert abs(beta + 0.5) < 3 * err and err < 0.1
    # L_ru > 0 below h* (bullets follow the heat), < 0 above: the scan brackets h*
    for point in summary["points"]:
        if point["barrier"] < 0.8 * point["h_star"]:
            assert point["L_ru"] > 2 * point["L_ru_err"]
        if point["barrier"] > 1.2 * point["h_star"]:
            assert point["L_ru"] < -2 * point["L_ru_err"]
    # at the adapted barrier 2 h*(L) YT does not grow like the conjectured divergence
    adapted = summary["YT_adapted_barrier"]
    assert adapted["exponent"] < 0.3 and all(0.15 < v < 0.35 for v in adapted["YT"])
    # the fixed multiple is where YT is largest at L = 20, and every length is taken at
    # the scanned barrier nearest it (the grids reach about 3 h*)
    fixed = summary["YT_fixed_multiple"]
    assert fixed["multiple"] == summary["barrier_of_largest_YT_over_h_star"][0]
    for barrier, h in zip(fixed["barrier"], h_star):
        assert abs(barrier / h - fixed["multiple"]) < 0.15 * fixed["multiple"]
    assert fixed["exponent"] < 0.3
