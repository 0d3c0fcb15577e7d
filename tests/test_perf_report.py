"""asv_bench/perf_report.py on a small synthetic asv results directory (asv 0.6's format).

The script is not part of the package: it is loaded from its path. The synthetic files copy
the layout of real ones (``results/benchmarks.json``, ``results/<machine>/machine.json`` and
``results/<machine>/<hash>-<env>.json`` with ``result_columns``, parameter values stored as
their ``repr`` and NaN for a skipped benchmark).
"""
import importlib.util
import json
import math
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), "asv_bench", "perf_report.py")


@pytest.fixture(scope="module")
def perf_report():
    spec = importlib.util.spec_from_file_location("perf_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a",
           "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat",
           "samples", "profile"]
ADD_PARAMS = [["'float32'", "'float64'"], ["1", "2"]]
MEM_PARAMS = [["1", "2"]]
MACHINE = {"arch": "x86_64", "cpu": "Test CPU", "machine": "testbox", "num_cpu": "2",
           "os": "Linux 6.0", "ram": "1000", "version": 1}
NEW_HASH = "a" * 40
OLD_HASH = "b" * 40


def _bench(name, params, param_names, kind="time"):
    return {"code": "", "name": name, "params": params, "param_names": param_names,
            "type": kind, "unit": "seconds" if kind == "time" else "bytes", "version": "0",
            "rounds": 2, "repeat": 0, "number": 0, "min_run_count": 2, "sample_time": 0.01,
            "warmup_time": -1}


def _row(values, params, started_at=1_700_000_000_000):
    """A result row as asv writes it: value list, params, version, started_at, duration..."""
    n = len(values)
    return [values, params, "0", started_at, 1.0, [None] * n, [None] * n, values, values,
            [1] * n, [10] * n]


def _result(commit, date, results, env="virtualenv-py3.11-numpy"):
    return {"commit_hash": commit, "env_name": env, "date": date,
            "params": {**{k: v for k, v in MACHINE.items() if k != "version"},
                       "python": "3.11"},
            "python": "3.11", "requirements": {}, "env_vars": {},
            "result_columns": COLUMNS, "results": results, "durations": {}, "version": 2}


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)  # NaN is written as NaN, as asv does


@pytest.fixture
def results_dir(tmp_path):
    """Two commits on ``testbox`` and an older run on ``otherbox``."""
    rdir = tmp_path / "results"
    benchmarks = {"version": 2}
    for lib in ("cygrad", "numpy", "torch"):
        name = f"bench_elementwise.Add.time_add_{lib}"
        benchmarks[name] = _bench(name, ADD_PARAMS, ["dtype", "threads"])
        name = f"bench_import.Import.timeraw_import_{lib}"
        benchmarks[name] = _bench(name, [], [])
    for lib in ("cygrad", "numpy"):
        name = f"bench_reduce.PeakMemVar.peakmem_var_{lib}"
        benchmarks[name] = _bench(name, MEM_PARAMS, ["threads"], kind="peakmemory")
    benchmarks["bench_misc.Other.time_unpaired"] = _bench("bench_misc.Other.time_unpaired",
                                                          [], [])
    _write(str(rdir / "benchmarks.json"), benchmarks)

    # combos in asv's order: (float32, 1), (float32, 2), (float64, 1), (float64, 2)
    new = {
        "bench_elementwise.Add.time_add_cygrad": _row([2e-3, 1e-3, 4e-3, None], ADD_PARAMS),
        "bench_elementwise.Add.time_add_numpy": _row([4e-3, 4e-3, 2e-3, 8e-3], ADD_PARAMS),
        "bench_elementwise.Add.time_add_torch": _row([1e-3, 5e-4, 8e-3, 8e-3], ADD_PARAMS),
        "bench_import.Import.timeraw_import_cygrad": _row([0.05], []),
        "bench_import.Import.timeraw_import_numpy": _row([0.1], []),
        # a skipped benchmark: asv keeps only the first columns and stores NaN
        "bench_import.Import.timeraw_import_torch": [[float("nan")], [], "0",
                                                     1_700_000_000_000, 0.4],
        "bench_reduce.PeakMemVar.peakmem_var_cygrad": _row([300 * 2**20, 310 * 2**20],
                                                           MEM_PARAMS),
        "bench_reduce.PeakMemVar.peakmem_var_numpy": _row([400 * 2**20, 400 * 2**20],
                                                          MEM_PARAMS),
        "bench_misc.Other.time_unpaired": _row([1.0], []),
    }
    _write(str(rdir / "testbox" / "machine.json"), MACHINE)
    _write(str(rdir / "testbox" / f"{NEW_HASH[:8]}-virtualenv-py3.11-numpy.json"),
           _result(NEW_HASH, 1_700_000_000_000, new))
    old = {"bench_elementwise.Add.time_add_cygrad": _row([1.0, 1.0, 1.0, 1.0], ADD_PARAMS),
           "bench_elementwise.Add.time_add_numpy": _row([2.0, 2.0, 2.0, 2.0], ADD_PARAMS)}
    _write(str(rdir / "testbox" / f"{OLD_HASH[:8]}-virtualenv-py3.11-numpy.json"),
           _result(OLD_HASH, 1_600_000_000_000, old))
    other = dict(MACHINE, machine="otherbox")
    _write(str(rdir / "otherbox" / "machine.json"), other)
    earlier = {k: _row(v[0], v[1], started_at=1_500_000_000_000) for k, v in old.items()}
    _write(str(rdir / "otherbox" / f"{OLD_HASH[:8]}-virtualenv-py3.11-numpy.json"),
           _result(OLD_HASH, 1_600_000_000_000, earlier))
    # library versions recorded beside the newest result, as dashboard.py does
    with open(rdir / "testbox" / f"{NEW_HASH[:8]}-virtualenv-py3.11-numpy.versions", "w") as f:
        json.dump({"numpy": "2.0.0", "torch": "2.5.0", "cygrad": "0.1.0"}, f)
    return str(rdir)


def _rows_by_key(rows):
    return {(r["case"], r["params"]): r for r in rows}


def test_pick_result_newest_and_by_commit(perf_report, results_dir):
    path, res = perf_report.pick_result(results_dir)
    assert res["commit_hash"] == NEW_HASH
    assert os.path.basename(os.path.dirname(path)) == "testbox"
    _, res = perf_report.pick_result(results_dir, commit=OLD_HASH[:7])
    assert res["commit_hash"] == OLD_HASH
    path, _ = perf_report.pick_result(results_dir, machine="otherbox")
    assert os.path.basename(os.path.dirname(path)) == "otherbox"
    with pytest.raises(SystemExit):
        perf_report.pick_result(results_dir, commit="c0ffee")


def test_pairs_and_ratios(perf_report, results_dir):
    rows = perf_report.build_report(results_dir)[0]
    by = _rows_by_key(rows)
    # the unpaired benchmark and the cygrad-less ones are left out
    assert {r["case"] for r in rows} == {"Add.add", "Import.import", "PeakMemVar.var"}
    assert len(rows) == 4 + 1 + 2

    r = by[("Add.add", "dtype=float32, threads=1")]
    assert (r["cygrad"], r["numpy"], r["torch"]) == (2e-3, 4e-3, 1e-3)
    assert perf_report.ratio(r["cygrad"], r["numpy"]) == pytest.approx(0.5)
    assert perf_report.ratio(r["cygrad"], r["torch"]) == pytest.approx(2.0)
    failed = by[("Add.add", "dtype=float64, threads=2")]
    assert failed["cygrad"] is None and failed["numpy"] == 8e-3
    skipped = by[("Import.import", "")]
    assert skipped["torch"] is None and skipped["cygrad"] == 0.05

    summary = {s["case"]: s for s in perf_report.summarize(rows)}
    g, lo, hi, n = summary["Add.add"]["numpy"]  # ratios 0.5, 0.25, 2.0
    assert n == 3 and lo == pytest.approx(0.25) and hi == pytest.approx(2.0)
    assert g == pytest.approx(math.exp((math.log(0.5) + math.log(0.25) + math.log(2)) / 3))
    assert "PeakMemVar.var" not in summary  # memory is not a time ratio


def test_table_contents(perf_report, results_dir):
    rows, header, _, _ = perf_report.build_report(results_dir)
    text = perf_report.render_table(rows, header)
    assert NEW_HASH[:12] in text and "testbox" in text and "Test CPU" in text
    assert "2023-11-14" in text  # the commit date, 1_700_000_000_000 ms
    assert "NumPy 2.0.0" in text and "PyTorch 2.5.0" in text and "recorded with the run" in text
    lines = text.splitlines()

    def row_cells(case, params):
        start = next(i for i, line in enumerate(lines)
                     if line == f"   * - {case}" and lines[i + 1] == f"     - ``{params}``")
        cells = []
        for line in lines[start + 1:]:
            if not line.startswith("     -"):
                break
            cells.append(line[len("     -"):].strip())
        return cells

    # parameters, cygrad, NumPy, cygrad/NumPy, PyTorch, cygrad/PyTorch
    assert row_cells("Add.add", "dtype=float32, threads=1") == [
        "``dtype=float32, threads=1``", "2 ms", "4 ms", "0.50", "1 ms", "2.00"]
    assert row_cells("Add.add", "dtype=float32, threads=2") == [
        "``dtype=float32, threads=2``", "1 ms", "4 ms", "0.25", "500 µs", "2.00"]
    assert row_cells("Add.add", "dtype=float64, threads=2") == [
        "``dtype=float64, threads=2``", "n/a", "8 ms", "", "8 ms", ""]
    assert row_cells("PeakMemVar.var", "threads=1") == [
        "``threads=1``", "300.0 MiB", "400.0 MiB", "0.75", "n/a", ""]
    # the summary row of Add.add: geometric mean and range of the ratios
    i = lines.index("   * - Add.add")
    assert lines[i + 1:i + 6] == ["     - 4", "     - 0.63", "     - 0.25 – 2.00",
                                  "     - 1.26", "     - 0.50 – 2.00"]


def test_table_is_valid_rst(perf_report, results_dir):
    docutils_core = pytest.importorskip("docutils.core")
    rows, header, _, _ = perf_report.build_report(results_dir)
    text = perf_report.render_table(rows, header)
    doctree = docutils_core.publish_doctree(
        text, settings_overrides={"report_level": 2, "halt_level": 2, "warning_stream": False})
    tables = [n for n in doctree.findall() if n.tagname == "table"]
    assert len(tables) == 3  # summary, times, peak memory


def test_versions_unknown_without_sidecar(perf_report, results_dir, tmp_path):
    header = perf_report.build_report(results_dir, commit=OLD_HASH,
                                      env_dir=str(tmp_path / "no-env"))[1]
    assert "Library versions: not recorded." in header


def test_main_writes_table_and_plot(perf_report, results_dir, tmp_path):
    table = tmp_path / "out" / "perf_ratios.inc.rst"
    plot = tmp_path / "out" / "perf_ratios.png"
    args = ["--results-dir", results_dir, "--out-table", str(table)]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        args += ["--out-plot", ""]
        have_mpl = False
    else:
        args += ["--out-plot", str(plot)]
        have_mpl = True
    assert perf_report.main(args) == 0
    assert "Add.add" in table.read_text(encoding="utf-8")
    if not have_mpl:
        pytest.skip("matplotlib is not installed: the plot was not checked")
    data = plot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert width == 800


def test_plot_of_equal_ratios(perf_report, tmp_path):
    # The geometric mean of equal ratios can round just outside their range (0.123 gives
    # 0.12299999999999997): the whiskers must not get a negative length.
    pytest.importorskip("matplotlib")
    rows = [{"kind": "time", "case": f"Case{k}.op", "params": f"n={n}", "cygrad": c,
             "numpy": 1.0, "torch": t}
            for k, (c, t) in enumerate([(0.123, 1 / 5.7), (5.7, 1 / 0.123)])
            for n in range(3)]
    assert perf_report.summarize(rows)[0]["numpy"][0] < 0.123
    out = perf_report.render_plot(rows, str(tmp_path / "p.png"))
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out == str(tmp_path / "p.png")
