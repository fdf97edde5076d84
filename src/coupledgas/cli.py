"""The ``coupledgas`` command line."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import __version__, report
from .checkpoint import load
from .cli_options import (
    AS_JSON,
    CHECKPOINT_EVERY,
    CLUSTER_OPTIONS,
    ENGINE_OPTIONS,
    LENGTH,
    MEASUREMENT_OPTIONS,
    ONSAGER_OPTIONS,
    OUT,
    PLAN_OPTIONS,
    REPLICAS,
    RESERVOIR_OPTIONS,
    RING_OPTIONS,
    SCHEDULER,
    SEED,
    SWEEP_WORKERS,
    T_MEASURE,
    WORKERS,
    Response,
    channel_options,
    choices,
    executor,
    reservoirs_of,
    with_options,
)
from .critical import critical_barrier
from .execute import Interrupted, execute_reporting
from .figures import budget_record, figure, figure_parts
from .files import atomic_path, write_netcdf
from .heat_engine import heat_engine
from .kernel import InelasticCollapse
from .onsager import onsager
from .optimize import OBJECTIVES, optimize, parse_bounds
from .params import Measurement, ParameterError, RunParams
from .plot import plot_result
from .precompile import precompile
from .progress import compile_notice
from .replicas import run_replicas
from .report import planned_parts
from .ring import ring
from .simulate import Run
from .sweep import SweepSpec, sweep, with_sweep_progress

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Coupled particle and energy transport in 1D two-mass gases.")

#: API parameter name -> command-line option, for error messages
OPTION_NAMES = {"checkpoint": "CHECKPOINT", "spec": "SPEC", "result": "RESULT", "name": "NAME"}


def _print_version(requested: bool):
    if requested:
        typer.echo(f"coupledgas {__version__}")
        raise typer.Exit()


@app.callback()
def _commands(version: bool = typer.Option(False, "--version", is_eager=True,
                                           callback=_print_version,
                                           help="Print the version and exit.")):
    """Coupled particle and energy transport in 1D two-mass gases."""


def option_name(parameter: str) -> str:
    """The command-line option that sets an API parameter."""
    return OPTION_NAMES.get(parameter, "--" + parameter.replace("_", "-"))


@app.command()
@with_options(channel=channel_options(), reservoirs=RESERVOIR_OPTIONS,
              measurement=MEASUREMENT_OPTIONS)
def run(
    channel: dict,
    reservoirs: dict,
    measurement: dict,
    checkpoint: Optional[Path] = typer.Option(
        None, "--checkpoint", help="Save the full state here (atomically) every "
        "--checkpoint-every seconds, at the end and on Ctrl-C; continue with "
        "'coupledgas resume FILE'."),
    checkpoint_every: float = CHECKPOINT_EVERY,
    replicas: int = REPLICAS,
    workers: int = WORKERS,
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """Simulate one open channel between two reservoirs and report its currents."""
    measured = Measurement(**measurement)
    params = RunParams.create(**channel, reservoirs=reservoirs_of(reservoirs),
                              measurement=measured)
    if replicas != 1 or workers != 1:
        if checkpoint is not None:
            raise ParameterError("checkpoint", "is for single runs; replicas restart whole")
        ds = run_replicas(params, replicas, workers, measured.bins, *measured.target)
    else:
        run = Run.start(params, measured.bins, *measured.target)
        ds = _executed(run, checkpoint, checkpoint_every, as_json)
    _report(ds, as_json, out)


@app.command()
def resume(
    checkpoint: Path = typer.Argument(..., help="Checkpoint written by 'run --checkpoint'."),
    t_measure: Optional[float] = typer.Option(
        None, "--t-measure", help="Measure this much longer than the run asked for."),
    checkpoint_every: float = CHECKPOINT_EVERY,
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """Continue a run from its checkpoint; the result is bit for bit the uninterrupted one."""
    run = load(checkpoint)
    if t_measure is not None:
        if not t_measure > 0:
            raise ParameterError("t_measure", f"must be positive, got {t_measure:g}")
        run.extend_to(run.params.t_measure + t_measure)
    ds = _executed(run, checkpoint, checkpoint_every, as_json)
    _report(ds, as_json, out)


@app.command("onsager")
@with_options(channel=channel_options(), matrix=ONSAGER_OPTIONS)
def onsager_command(channel: dict, matrix: dict, as_json: bool = AS_JSON,
                    out: Optional[Path] = OUT):
    """Onsager matrix and sigma, kappa, S, ZT (the Letter's Eq. 4; Supplement Eqs. 6-7)."""
    _report(onsager(**matrix, **channel), as_json, out, report.onsager_summary,
            report.onsager_text)


@app.command("heat-engine")
@with_options(channel_a=channel_options("a", "Channel A: "),
              channel_b=channel_options("b", "Channel B: "), engine=ENGINE_OPTIONS)
def heat_engine_command(channel_a: dict, channel_b: dict, engine: dict,
                        as_json: bool = AS_JSON, out: Optional[Path] = OUT):
    """The autonomous circular heat engine: two channels, finite reservoirs, loads.

    Channel A is by default the Letter's (h = 1), B a free gas (h = 0); every channel
    option of 'run' is here once per channel, ending in -a or -b.
    """
    _report(heat_engine(**engine, **channel_a, **channel_b), as_json, out,
            report.engine_summary, report.engine_text)


@app.command("critical-barrier")
def critical_barrier_command(
    lengths: str = typer.Option("20,40,80,160", "--lengths", help="Comma-separated L."),
    force: Optional[float] = typer.Option(
        None, "--force", help="F_u (F_rho = 0) [default: 0.1]; linear: the largest force "
        "of the Onsager runs [default: 0.4]."),
    response: Response = typer.Option(
        "force", "--response", help="What changes sign at h*: J_rho at --force, or "
        "(linear) the Onsager coefficient L_ru extrapolated to zero force."),
    barriers: Optional[str] = typer.Option(
        None, "--barriers", help="Comma-separated barrier grid [default: 12 values from "
        "0.02 to 1.5, log-spaced]."),
    t_measure: float = T_MEASURE,
    out: Path = typer.Option(Path("critical-barrier"), "--out",
                             help="Sweep directory (reused when repeated)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Local worker processes."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Address of a running Dask scheduler."),
    seed: int = SEED,
    as_json: bool = AS_JSON,
):
    """The barrier h*(L) where J_rho (or L_ru) changes sign, and the exponents of
    h* ~ L^beta."""
    def numbers(text, name):
        try:
            return [float(x) for x in text.split(",")]
        except ValueError:
            raise ParameterError(name, f"expected comma-separated numbers, got {text!r}")

    result = critical_barrier(lengths=numbers(lengths, "lengths"), force=force,
                              barriers=None if barriers is None
                              else numbers(barriers, "barriers"),
                              t_measure=t_measure, out=out, workers=workers,
                              scheduler=scheduler, seed=seed, response=response.value)
    typer.echo(json.dumps(result) if as_json else report.critical_barrier_text(result))


@app.command("ring")
@with_options(ring_options=RING_OPTIONS)
def ring_command(ring_options: dict, as_json: bool = AS_JSON, out: Optional[Path] = OUT):
    """A periodic ring at equilibrium: events per second and Green-Kubo conductivity."""
    masses = ring_options.pop("masses")
    try:
        pair = tuple(float(m) for m in masses.split(","))
    except ValueError:
        raise ParameterError("masses", f"expected two numbers like 1,3, got {masses!r}")
    _report(ring(masses=pair, **ring_options), as_json, out, report.ring_summary,
            report.ring_text)


WINDOW = typer.Option(..., "--window", help="T0:T1, simulated times since the "
                      "equilibrium start (T0 = 0 includes the transient).")


class SpacetimeMode(str, Enum):
    worldlines = "worldlines"
    kymograph = "kymograph"


@app.command("spacetime")
@with_options(channel=channel_options(), reservoirs=RESERVOIR_OPTIONS)
def spacetime_command(
    channel: dict,
    reservoirs: dict,
    window: str = WINDOW,
    mode: SpacetimeMode = typer.Option(
        SpacetimeMode.worldlines, "--mode", help="worldlines: every particle's exact path "
        "x(t) (short windows); kymograph: <m(x)> against x and t, exact averages over each "
        "--interval (long stretches)."),
    interval: Optional[float] = typer.Option(None, "--interval", help="Kymograph: "
                                             "averaging time per row [default: (T1-T0)/256]."),
    bins: int = typer.Option(80, "--bins", help="Kymograph: bins along the channel."),
    out: Path = typer.Option(Path("spacetime.png"), "--out", help="Image file."),
    data: Optional[Path] = typer.Option(None, "--data", help="Also write the data shown "
                                        "(netCDF)."),
    seed: int = SEED,
):
    """Space-time picture of one channel: world lines, or a kymograph of <m(x)>."""
    from .spacetime import parse_window
    from .spacetime_pictures import spacetime

    fig, ds = spacetime(parse_window(window), mode=mode.value, interval=interval, bins=bins,
                        seed=seed, reservoirs=reservoirs_of(reservoirs), **channel)
    if out.suffix.lstrip(".") not in fig.canvas.get_supported_filetypes():
        raise ParameterError("out", f"unknown image format {out.suffix!r} (use .png, .pdf, "
                             f".svg, ...)")
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=120)
    if data is not None:
        write_netcdf(ds, data)
    typer.echo(f"wrote {out}" + (f" and {data}" if data is not None else ""))


@app.command("movie")
@with_options(channel=channel_options(), reservoirs=RESERVOIR_OPTIONS)
def movie_command(
    channel: dict,
    reservoirs: dict,
    window: str = WINDOW,
    out: Path = typer.Option(Path("gas.gif"), "--out", help=".gif, or .mp4 when an ffmpeg "
                             "is installed (pip install 'coupledgas[movie]')."),
    frame_interval: float = typer.Option(1.0, "--frame-interval",
                                         help="Simulated time between frames."),
    fps: float = typer.Option(20.0, "--fps", help="Frames per second."),
    seed: int = SEED,
):
    """Animation of the particles in the channel, with a clock and the running currents."""
    from .movie import movie
    from .spacetime import parse_window

    frames = movie(parse_window(window), out, frame_interval=frame_interval, fps=fps,
                   seed=seed, reservoirs=reservoirs_of(reservoirs), **channel)
    typer.echo(f"wrote {out} ({frames} frames)")


@app.command("sweep")
@with_options(cluster=CLUSTER_OPTIONS, planning=PLAN_OPTIONS)
def sweep_command(
    cluster: dict,
    planning: dict,
    spec: Path = typer.Argument(..., help="Sweep spec (TOML: [base], [axes], replicas)."),
    out: Path = typer.Option(..., "--out", help="Sweep directory (results.nc, points/)."),
):
    """Run a grid of runs on Dask; rerunning computes only the missing points."""
    where = executor(cluster)
    parts = planned_parts({"sweep": (SweepSpec.load(spec), out)}, out / "budget.json",
                          where["workers"], **planning)
    if parts is None:
        return
    loaded = parts["sweep"][0]
    results = with_sweep_progress(lambda progress: sweep(loaded, out, progress=progress,
                                                         **where))
    typer.echo(f"{len(loaded.points())} points, results: {out / 'results.nc'} "
               f"(dimensions: {dict(results.sizes)})")


Objective = choices("Objective", OBJECTIVES)


@app.command("optimize")
def optimize_command(
    objective: Objective = typer.Argument(..., help="ZT or YT (maximised), or "
                                          "L_ru_normalised = L_ru / sqrt(L_rr L_uu) "
                                          "(minimised)."),
    bound: list[str] = typer.Option(..., "--bound", metavar="NAME=LOW:HIGH", help="Once per "
                                    "searched parameter: mass_ratio (m_rod / m_bullet), "
                                    "barrier, rod_density (rods per unit length), "
                                    "interaction_range."),
    length: float = LENGTH,
    budget: int = typer.Option(16, "--budget", help="Evaluations (Onsager matrices; two "
                               "per evaluation for YT), those already done included."),
    batch: Optional[int] = typer.Option(None, "--batch", help="Evaluations per round "
                                        "[default: --workers, or one per core]."),
    t_measure: float = typer.Option(1e5, "--t-measure", help="Measured time of each "
                                    "Onsager matrix (as for coupledgas onsager)."),
    out: Path = typer.Option(Path("optimize"), "--out", help="Search folder (points/, "
                             "optimize.json); a rerun resumes it."),
    workers: Optional[int] = SWEEP_WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    seed: int = SEED,
    as_json: bool = AS_JSON,
):
    """Search model parameters for the best ZT, YT or most negative L_ru / sqrt(L_rr L_uu)
    (Bayesian optimisation; the points run and resume as a sweep's)."""
    result = optimize(objective.value, parse_bounds(bound, length), length=length,
                      budget=budget, out=out, t_measure=t_measure, batch=batch, seed=seed,
                      workers=workers, scheduler=scheduler, progress=True)
    typer.echo(json.dumps(result) if as_json else report.optimize_text(result, out))


@app.command("figure")
@with_options(cluster=CLUSTER_OPTIONS, planning=PLAN_OPTIONS)
def figure_command(
    cluster: dict,
    planning: dict,
    name: Optional[str] = typer.Argument(None, help="Recipe name (see --list)."),
    preset: str = typer.Option("quick", "--preset", help="quick (minutes on a laptop) or "
                               "paper (the publication's sizes and precision)."),
    out: Path = typer.Option(Path("figures"), "--out", help="Output folder."),
    list_: bool = typer.Option(False, "--list", help="List the recipes."),
):
    """Reproduce a figure: data (resumable sweeps), NAME.png/.pdf/.nc and a summary."""
    if list_:
        typer.echo(report.recipes_text())
        return
    if name is None:
        raise ParameterError("name", "give a figure name (coupledgas figure --list)")
    where = executor(cluster)
    parts = planned_parts(figure_parts(name, preset, out), budget_record(name, out),
                          where["workers"], **planning)
    if parts is None:
        return
    summary = with_sweep_progress(lambda progress: figure(
        name, preset=preset, out=out, progress=progress, parts=parts, **where))
    typer.echo(json.dumps(summary, indent=1))
    typer.echo(f"wrote {out / name}.png, .pdf, .nc, .json")


@app.command("compile")
def compile_command():
    """Compile the kernel's event loops now (the open channel's, the finite-range and the
    ring's; once after installing): before a sweep, so that its workers load them."""
    with compile_notice(after=2.0, estimate="about 20 s on two cores"):
        seconds = precompile()
    typer.echo(f"kernel ready: every event loop compiled and cached ({seconds:.1f} s)")


@app.command()
def plot(
    result: Path = typer.Argument(..., help="A result: a run (run --out), a sweep's "
                                  "results.nc, an Onsager matrix (onsager --out) or a heat "
                                  "engine (heat-engine --out)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Image file [default: the "
                                       "result's name with .png]."),
):
    """Draw a result: a run's profiles and block series, a sweep's currents against its
    axes, an Onsager matrix's entries, or a heat engine's currents and power."""
    typer.echo(plot_result(result, out))


def _executed(run, checkpoint, checkpoint_every, quiet):
    """``execute.execute_reporting``; Ctrl-C exits with code 130 (its line is printed)."""
    try:
        return execute_reporting(run, checkpoint, checkpoint_every, quiet)
    except Interrupted:
        raise typer.Exit(130)


def _report(ds, as_json, out, summary=report.run_summary, text=report.run_text):
    """Write ``ds`` to ``out`` if given, and print its summary (JSON) or its text."""
    if out is not None:
        write_netcdf(ds, out)
    typer.echo(json.dumps(summary(ds)) if as_json else text(ds))


def main(argv=None) -> int:
    """Entry point: bad input gives one line naming the parameter and exit code 2."""
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = command.main(args=args or ["--help"], prog_name="coupledgas",
                            standalone_mode=False)
    except ParameterError as err:
        print(f"coupledgas: error: {option_name(err.name)}: {str(err).split(': ', 1)[1]}",
              file=sys.stderr)
        return 2
    except typer.TyperException as err:
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        print(f"coupledgas: error: {' '.join(message.split())}", file=sys.stderr)
        return 2
    except InelasticCollapse as err:
        print(f"coupledgas: error: --dissipation: {err}", file=sys.stderr)
        return 1
    except typer.Abort:
        print("coupledgas: interrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
