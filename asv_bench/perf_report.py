#!/usr/bin/env python
"""Write the cygrad-vs-NumPy/PyTorch ratio table and plot of the docs from asv results.

Reads one asv result file (``results/<machine>/<hash>-<env>.json``, asv 0.6's format) and
``results/benchmarks.json``, pairs every ``time_<case>_cygrad`` with ``time_<case>_numpy``
and ``time_<case>_torch`` of the same class for each parameter combination (``timeraw_``
and ``peakmem_`` cases likewise), and writes

* an reStructuredText fragment (default ``docs/guide/perf_ratios.inc.rst``) for the
  Performance page to ``.. include::``: a header naming the commit, machine, dates and
  library versions, a per-case summary (geometric mean, lowest and highest ratio over the
  parameter combinations) and the full table of times and ratios;
* a plot (default ``docs/_static/perf_ratios.png``): a horizontal bar chart of the
  geometric-mean log2 ratio cygrad/reference per case, with the range over the parameter
  combinations as whiskers. It needs matplotlib (``--out-plot ''`` skips it).

Usage::

    python asv_bench/perf_report.py                      # newest result of the newest machine
    python asv_bench/perf_report.py --machine vm --commit 011beee0
    python asv_bench/perf_report.py --out-table /tmp/t.rst --out-plot /tmp/p.png

Which result: among the result files of ``--machine`` (default: the machine whose newest
result file is newest) whose commit starts with ``--commit`` (default: any) and whose
environment name contains ``--env`` (default: any), the one of the newest commit (asv's
``date``), then the most recently run.

Library versions: asv does not record the versions of what it imports, so they come from
a ``<result file stem>.versions`` file beside the result (written by ``dashboard.py``
right after its run, JSON from :func:`library_versions`), else from the asv environment's
Python if it still exists (a ``virtualenv`` under ``env/``, or an ``existing`` environment
whose interpreter is the one running this script), else the header says they are unknown.

This file is a stand-alone script: nothing in the ``cygrad`` package imports it.
"""
import argparse
import datetime
import hashlib
import itertools
import json
import math
import os
import re
import subprocess
import sys
from ast import literal_eval

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_RESULTS = os.path.join(HERE, "results")
DEFAULT_ENV_DIR = os.path.join(HERE, "env")
DEFAULT_TABLE = os.path.join(REPO, "docs", "guide", "perf_ratios.inc.rst")
DEFAULT_PLOT = os.path.join(REPO, "docs", "_static", "perf_ratios.png")

LIBS = ("cygrad", "numpy", "torch")
REFS = ("numpy", "torch")
LIB_TITLES = {"cygrad": "cygrad", "numpy": "NumPy", "torch": "PyTorch"}
VERSIONED = ("cygrad", "numpy", "torch", "threadpoolctl")
NAME_RE = re.compile(r"^(?P<cls>.+)\.(?P<kind>time|timeraw|peakmem)_(?P<case>.+)_"
                     r"(?P<lib>cygrad|numpy|torch)$")
SKIP_FILES = {"machine.json", "benchmarks.json"}


# -- reading asv's files -------------------------------------------------------------------

def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_benchmarks(results_dir):
    """``{name: description}`` from ``benchmarks.json`` (empty if there is none)."""
    path = os.path.join(results_dir, "benchmarks.json")
    if not os.path.isfile(path):
        return {}
    data = _load_json(path)
    return {k: v for k, v in data.items() if k != "version"}


def iter_result_files(results_dir, machine=None):
    """Paths of the result files under ``results_dir`` (of one ``machine`` if given)."""
    machines = [machine] if machine else sorted(
        d for d in os.listdir(results_dir) if os.path.isdir(os.path.join(results_dir, d)))
    for m in machines:
        mdir = os.path.join(results_dir, m)
        if not os.path.isdir(mdir):
            continue
        for name in sorted(os.listdir(mdir)):
            if name.endswith(".json") and name not in SKIP_FILES:
                yield os.path.join(mdir, name)


def _run_time(result):
    """When the run happened: the latest ``started_at`` (ms since the epoch), or 0."""
    cols = result.get("result_columns", [])
    if "started_at" not in cols:
        return 0
    i = cols.index("started_at")
    times = [v[i] for v in result.get("results", {}).values()
             if isinstance(v, list) and len(v) > i and v[i] is not None]
    return max(times, default=0)


def pick_result(results_dir, machine=None, commit=None, env=None):
    """``(path, result_dict)`` of the result to report on (see the module docstring)."""
    if not os.path.isdir(results_dir):
        raise SystemExit(f"no asv results directory {results_dir}: run asv first")
    candidates = []
    for path in iter_result_files(results_dir, machine):
        try:
            res = _load_json(path)
        except (OSError, ValueError):
            continue
        if not isinstance(res, dict) or "results" not in res or "commit_hash" not in res:
            continue
        if commit and not res["commit_hash"].startswith(commit):
            continue
        if env and env not in res.get("env_name", ""):
            continue
        candidates.append((path, res))
    if not candidates:
        what = ", ".join(f"{k} {v!r}" for k, v in
                         (("machine", machine), ("commit", commit), ("env", env)) if v)
        raise SystemExit(f"no asv result in {results_dir}" + (f" for {what}" if what else ""))
    if machine is None:  # the machine whose newest result is the newest
        newest = max(candidates, key=lambda c: (_run_time(c[1]), c[1].get("date") or 0))
        machine = os.path.basename(os.path.dirname(newest[0]))
        candidates = [c for c in candidates if os.path.basename(os.path.dirname(c[0])) == machine]
    return max(candidates, key=lambda c: (c[1].get("date") or 0, _run_time(c[1])))


def _param_value(text):
    """asv stores parameter values as their ``repr``: ``"'float32'"`` -> ``float32``."""
    try:
        return str(literal_eval(text))
    except (ValueError, SyntaxError):
        return str(text)


def _number(v):
    if v is None or isinstance(v, bool):
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def benchmark_values(result, benchmarks):
    """``{name: (param_names, [(combo, value_or_None), ...])}`` from one result dict.

    ``combo`` is a tuple of parameter values (as text, quotes removed) in asv's order: the
    ``itertools.product`` of the parameter lists. A failed or skipped combination is None.
    """
    cols = result.get("result_columns", ["result", "params"])
    i_res, i_par = cols.index("result"), cols.index("params")
    out = {}
    for name, row in result.get("results", {}).items():
        if not isinstance(row, list) or not row:
            continue
        values = row[i_res] if len(row) > i_res else None
        params = row[i_par] if len(row) > i_par and row[i_par] is not None else None
        bench = benchmarks.get(name, {})
        if params is None:
            params = bench.get("params", [])
        names = list(bench.get("param_names", [])) or [f"p{k}" for k in range(len(params))]
        combos = list(itertools.product(*[[_param_value(p) for p in plist] for plist in params]))
        if not isinstance(values, list):
            values = [values] * len(combos)
        out[name] = (names, [(combo, _number(v)) for combo, v in zip(combos, values)])
    return out


# -- pairing -------------------------------------------------------------------------------

def pair_rows(values):
    """Rows ``{"kind", "case", "params", "combo", "cygrad", "numpy", "torch"}``.

    One row per benchmark class, case and parameter combination that has a cygrad
    benchmark; ``"case"`` is ``"Class.case"`` (module dropped), ``"params"`` the
    ``name=value`` label. Missing or failed values are None. Sorted by name, then in asv's
    parameter order.
    """
    groups = {}
    for name, (param_names, entries) in values.items():
        m = NAME_RE.match(name)
        if not m:
            continue
        key = (m["cls"], m["kind"], m["case"])
        groups.setdefault(key, {"param_names": param_names})[m["lib"]] = dict(entries)
    rows = []
    for (cls, kind, case), libs in sorted(groups.items()):
        if "cygrad" not in libs:
            continue
        short = f"{cls.rsplit('.', 1)[-1]}.{case}"
        for combo in libs["cygrad"]:
            row = {"kind": kind, "case": short, "combo": combo,
                   "params": ", ".join(f"{n}={v}" for n, v in zip(libs["param_names"], combo))}
            for lib in LIBS:
                row[lib] = libs.get(lib, {}).get(combo)
            rows.append(row)
    return rows


def ratio(a, b):
    """``a / b``, or None when either is missing."""
    if a is None or b is None or b <= 0:
        return None
    return a / b


def summarize(rows, kinds=("time", "timeraw")):
    """Per case: ``{"case", "n", "<ref>": (geomean, lowest, highest, count) or None}``."""
    by_case = {}
    for row in rows:
        if row["kind"] in kinds:
            by_case.setdefault(row["case"], []).append(row)
    out = []
    for case, case_rows in by_case.items():
        entry = {"case": case, "n": len(case_rows)}
        for ref in REFS:
            rs = [r for r in (ratio(row["cygrad"], row[ref]) for row in case_rows) if r]
            entry[ref] = ((math.exp(sum(map(math.log, rs)) / len(rs)), min(rs), max(rs), len(rs))
                          if rs else None)
        out.append(entry)
    return out


# -- versions and header -------------------------------------------------------------------

_VERSION_CODE = (
    "import json\n"
    "from importlib import metadata\n"
    "import platform\n"
    "out = {'python': platform.python_version()}\n"
    f"for name in {VERSIONED!r}:\n"
    "    try:\n"
    "        out[name] = metadata.version(name)\n"
    "    except metadata.PackageNotFoundError:\n"
    "        pass\n"
    "print(json.dumps(out))\n"
)


def library_versions(python=None):
    """``{package: version}`` of cygrad, numpy, torch, threadpoolctl as ``python`` sees them.

    ``python`` is an interpreter path (default: this one); the key ``"python"`` holds its
    own version. Packages that are not installed are left out; an interpreter that cannot
    be run gives ``{}``.
    """
    python = python or sys.executable
    try:
        res = subprocess.run([python, "-c", _VERSION_CODE], capture_output=True, text=True,
                             timeout=60, check=True)
        return json.loads(res.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return {}


def versions_path(result_path):
    """The sidecar file of a result file (not ``.json``, so asv does not read it)."""
    return os.path.splitext(result_path)[0] + ".versions"


def write_versions(result_path, python=None):
    """Record ``library_versions(python)`` beside ``result_path``; returns the dict."""
    versions = library_versions(python)
    with open(versions_path(result_path), "w", encoding="utf-8") as f:
        json.dump(versions, f, indent=1, sort_keys=True)
        f.write("\n")
    return versions


def existing_env_name(python):
    """asv's environment name for ``existing:<python>`` (as in ``get_env_name``)."""
    from asv.environment import get_env_name  # only needed for this fallback
    return get_env_name("existing", python, {}, {})


def env_python(env_name, env_dir=DEFAULT_ENV_DIR):
    """The interpreter of asv environment ``env_name`` if it still exists, else None."""
    if env_name.startswith("existing"):
        try:
            if existing_env_name(sys.executable) == env_name:
                return sys.executable
        except Exception:  # asv not importable, or its internals changed
            pass
        return None
    env_path = os.path.join(env_dir, hashlib.md5(env_name.encode("utf-8")).hexdigest())
    for rel in ("bin/python", "Scripts/python.exe"):
        if os.path.isfile(os.path.join(env_path, rel)):
            return os.path.join(env_path, rel)
    return None


def find_versions(result_path, result, env_dir=DEFAULT_ENV_DIR):
    """``(versions, source)``: from the sidecar, else from the environment, else ``({}, None)``."""
    side = versions_path(result_path)
    if os.path.isfile(side):
        try:
            return _load_json(side), "recorded with the run"
        except (OSError, ValueError):
            pass
    python = env_python(result.get("env_name", ""), env_dir)
    if python:
        versions = library_versions(python)
        if versions:
            return versions, "read from the benchmark environment when the report was made"
    return {}, None


def _ms_date(ms):
    if not ms:
        return "unknown date"
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")


def header_lines(result, machine_info, versions, versions_source):
    """The sentences above the tables (plain text, one per line)."""
    params = result.get("params", {})
    info = {**machine_info, **params}
    machine = info.get("machine", "?")
    bits = [info.get(k) for k in ("cpu", "arch") if info.get(k)]
    if info.get("num_cpu"):
        bits.append(f"{info['num_cpu']} CPUs")
    if info.get("os"):
        bits.append(info["os"])
    versions = dict(versions)
    python = versions.pop("python", None) or result.get("python", "?")
    lines = [
        f"cygrad commit ``{result['commit_hash'][:12]}`` (committed "
        f"{_ms_date(result.get('date'))}), measured {_ms_date(_run_time(result))} on "
        f"machine ``{machine}`` ({', '.join(bits) or 'no description'}), asv environment "
        f"``{result.get('env_name', '?')}``, Python {python}.",
    ]
    if versions:
        listed = ", ".join(f"{LIB_TITLES.get(k, k)} {v}" for k, v in sorted(versions.items()))
        lines.append(f"Library versions ({versions_source}): {listed}.")
    else:
        lines.append("Library versions: not recorded.")
    return lines


# -- formatting ----------------------------------------------------------------------------

def fmt_time(t):
    """``1.23 ms``-style text for seconds, ``n/a`` for None."""
    if t is None:
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_bytes(b):
    return "n/a" if b is None else f"{b / 2**20:.1f} MiB"


def fmt_ratio(r):
    """Two decimals, or two significant digits below 0.1 (``0.0049``)."""
    if r is None:
        return ""
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def _cell(text):
    """A list-table cell: literal text where it could be read as markup."""
    if re.fullmatch(r"[\w .µ/-]*", text):
        return text
    return f"``{text}``"


def _list_table(title, header, rows, widths=None):
    lines = [f".. list-table:: {title}", "   :header-rows: 1", "   :class: perf-ratios"]
    if widths:
        lines.append("   :widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header] + rows:
        for k, cell in enumerate(row):
            prefix = "   * -" if k == 0 else "     -"
            lines.append(f"{prefix} {cell}" if cell.strip() else prefix)
    lines.append("")
    return lines


def _refs_present(rows):
    return [ref for ref in REFS if any(row[ref] is not None for row in rows)]


def render_table(rows, header):
    """The reStructuredText fragment (a string)."""
    time_rows = [r for r in rows if r["kind"] in ("time", "timeraw")]
    mem_rows = [r for r in rows if r["kind"] == "peakmem"]
    refs = _refs_present(rows) or list(REFS)
    out = [".. This file is generated by asv_bench/perf_report.py from asv results; "
           "do not edit it by hand.", ""]
    out += header + [""]
    out += ["A ratio below 1 means cygrad is faster (or, for memory, smaller). "
            "``n/a``: not measured (PyTorch not installed in the benchmark environment, "
            "or the benchmark failed).", ""]

    summary = summarize(rows)
    if summary:
        head = ["case", "combinations"]
        for ref in refs:
            head += [f"cygrad/{LIB_TITLES[ref]} (geometric mean)",
                     f"cygrad/{LIB_TITLES[ref]} (range)"]
        body = []
        for s in summary:
            cells = [_cell(s["case"]), str(s["n"])]
            for ref in refs:
                if s[ref] is None:
                    cells += ["n/a", "n/a"]
                else:
                    g, lo, hi, _ = s[ref]
                    cells += [fmt_ratio(g), f"{fmt_ratio(lo)} – {fmt_ratio(hi)}"]
            body.append(cells)
        out += [".. rubric:: Summary per case", ""]
        out += _list_table("Time ratios per case over its parameter combinations", head, body)

    def detail(sel, fmt, title):
        head = ["benchmark", "parameters", "cygrad"]
        for ref in refs:
            head += [LIB_TITLES[ref], f"cygrad/{LIB_TITLES[ref]}"]
        body = []
        for r in sel:
            cells = [_cell(r["case"]), _cell(r["params"]), fmt(r["cygrad"])]
            for ref in refs:
                cells += [fmt(r[ref]), fmt_ratio(ratio(r["cygrad"], r[ref]))]
            body.append(cells)
        return _list_table(title, head, body)

    if time_rows:
        out += [".. rubric:: Times", ""]
        out += detail(time_rows, fmt_time, "Time per call (best estimate of asv's samples)")
    if mem_rows:
        out += [".. rubric:: Peak memory", "",
                "Peak resident memory of the whole benchmark process (imported libraries "
                "and input data included), so the ratios stay close to 1; the differences "
                "are what counts.", ""]
        out += detail(mem_rows, fmt_bytes, "Peak memory")
    return "\n".join(out).rstrip() + "\n"


def render_plot(rows, path, title=""):
    """Horizontal bars of log2(cygrad/reference) per case (geometric mean over parameters).

    Whiskers span the lowest to the highest ratio of the case. Returns the path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    summary = [s for s in summarize(rows) if any(s[ref] for ref in REFS)]
    refs = _refs_present(rows) or ["numpy"]
    colors = {"numpy": "#4c72b0", "torch": "#dd8452"}
    n = len(summary)
    height = max(3.0, 0.26 * n * max(1, len(refs)) / 1.4 + 1.4)
    fig, ax = plt.subplots(figsize=(8, height), dpi=100)
    bar_h = 0.8 / len(refs)
    ys = list(range(n))[::-1]
    for k, ref in enumerate(refs):
        pos, val, lo_err, hi_err = [], [], [], []
        for y, s in zip(ys, summary):
            if s[ref] is None:
                continue
            g, lo, hi, _ = s[ref]
            lg = math.log2(g)
            pos.append(y + (len(refs) - 1) / 2 * bar_h - k * bar_h)
            val.append(lg)
            # the geometric mean of equal ratios can round just outside their range
            lo_err.append(max(0.0, lg - math.log2(lo)))
            hi_err.append(max(0.0, math.log2(hi) - lg))
        ax.barh(pos, val, height=bar_h * 0.95, color=colors.get(ref, "grey"),
                label=f"vs {LIB_TITLES[ref]}", xerr=[lo_err, hi_err],
                error_kw={"elinewidth": 0.7, "capsize": 1.5, "ecolor": "0.3"})
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(ys)
    ax.set_yticklabels([s["case"] for s in summary], fontsize=7)
    ax.set_ylim(-0.7, n - 0.3)
    # log2 positions, labelled as ratios: ..., 1/4x, 1/2x, 1x, 2x, 4x, ...
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"{2 ** v:g}×" if v >= 0 else f"1/{2 ** -v:g}×"))
    ax.set_xlabel("cygrad time / reference time, log scale (below 1×: cygrad faster)\n"
                  "bar: geometric mean over the parameter combinations, whiskers: range",
                  fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", linewidth=0.4, alpha=0.6)
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


# -- command line --------------------------------------------------------------------------

def build_report(results_dir=DEFAULT_RESULTS, machine=None, commit=None, env=None,
                 env_dir=DEFAULT_ENV_DIR):
    """``(rows, header_lines, result_path, result)`` for the chosen result."""
    path, result = pick_result(results_dir, machine, commit, env)
    benchmarks = load_benchmarks(results_dir)
    machine_json = os.path.join(os.path.dirname(path), "machine.json")
    machine_info = _load_json(machine_json) if os.path.isfile(machine_json) else {}
    rows = pair_rows(benchmark_values(result, benchmarks))
    versions, source = find_versions(path, result, env_dir)
    return rows, header_lines(result, machine_info, versions, source), path, result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results-dir", default=DEFAULT_RESULTS,
                    help="asv's results directory (default: asv_bench/results)")
    ap.add_argument("--env-dir", default=DEFAULT_ENV_DIR,
                    help="asv's environment directory, for the versions fallback")
    ap.add_argument("--machine", default=None,
                    help="machine name (default: the one with the newest result)")
    ap.add_argument("--commit", default=None, help="commit hash or prefix (default: newest)")
    ap.add_argument("--env", default=None,
                    help="only results whose environment name contains this text")
    ap.add_argument("--out-table", default=DEFAULT_TABLE,
                    help="reStructuredText output (default: docs/guide/perf_ratios.inc.rst)")
    ap.add_argument("--out-plot", default=DEFAULT_PLOT,
                    help="PNG output, '' for none (default: docs/_static/perf_ratios.png)")
    args = ap.parse_args(argv)

    rows, header, path, result = build_report(args.results_dir, args.machine, args.commit,
                                              args.env, args.env_dir)
    if not rows:
        raise SystemExit(f"{path}: no cygrad benchmark results in it")
    print(f"result: {os.path.relpath(path)} ({len(rows)} rows)", file=sys.stderr)
    if args.out_table:
        os.makedirs(os.path.dirname(os.path.abspath(args.out_table)), exist_ok=True)
        with open(args.out_table, "w", encoding="utf-8") as f:
            f.write(render_table(rows, header))
        print(f"wrote {args.out_table}", file=sys.stderr)
    if args.out_plot:
        title = (f"cygrad {result['commit_hash'][:8]} on "
                 f"{os.path.basename(os.path.dirname(path))}")
        render_plot(rows, args.out_plot, title)
        print(f"wrote {args.out_plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
