#!/usr/bin/env python
"""Time every cygrad benchmark once beside its NumPy and PyTorch references, without asv.

Uses the installed ``cygrad`` and the very classes of the asv suite in ``benchmarks/``, so
each case has one definition. For every parameter combination it runs the class ``setup``,
then times ``time_<case>_cygrad``, ``time_<case>_numpy`` and ``time_<case>_torch`` with
``timeit`` (number chosen automatically, best of ``--repeat`` repeats, interleaved across
the libraries) and prints a markdown table with the ratios. ``timeraw_`` cases are timed in fresh interpreters.
Progress goes to stderr, the table to stdout::

    python asv_bench/compare.py                    # everything
    python asv_bench/compare.py -k "Add|Reduce"    # rows whose name matches a regex
    python asv_bench/compare.py --threads 1        # only the 1-thread variants
    python asv_bench/compare.py -m bench_nn bench_data   # only these modules of benchmarks/
"""
import argparse
import importlib
import inspect
import itertools
import os
import re
import subprocess
import sys
import textwrap
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

MODULES = ["bench_elementwise", "bench_reduce", "bench_indexing", "bench_creation", "bench_matmul",
           "bench_autograd", "bench_nn", "bench_data",
           "bench_import", "bench_threads"]
LIBS = ("cygrad", "numpy", "torch")
METHOD_RE = re.compile(r"^(time|timeraw)_(.+)_(cygrad|numpy|torch)$")


def param_lists(cls):
    """asv's ``params``: a list of lists, or a single list for one parameter."""
    params = getattr(cls, "params", [])
    if params and not all(isinstance(p, (list, tuple)) for p in params):
        params = [params]
    return [list(p) for p in params]


def collect(module):
    """``[(cls, {(kind, case): {lib: method_name}})]`` for the benchmark classes of ``module``."""
    out = []
    for name, cls in vars(module).items():
        if name.startswith("_") or not inspect.isclass(cls) or cls.__module__ != module.__name__:
            continue
        groups = {}
        for attr in dir(cls):
            m = METHOD_RE.match(attr)
            if m:
                groups.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = attr
        if groups:
            out.append((cls, dict(sorted(groups.items(), key=lambda kv: kv[0][1]))))
    return out


def autorange_number(timer, min_time):
    """Smallest 1, 2, 5, 10, 20, ... with a total run of at least ``min_time`` seconds."""
    i = 1
    while True:
        for j in (1, 2, 5):
            number = i * j
            if timer.timeit(number) >= min_time:
                return number
        i *= 10


def raw_once(code):
    """Wall time of ``code`` run once in a fresh interpreter (asv's ``timeraw_``)."""
    prog = textwrap.dedent(
        """
        import sys, time
        code = sys.stdin.read()
        t0 = time.perf_counter()
        exec(code)
        print(time.perf_counter() - t0)
        """
    )
    res = subprocess.run([sys.executable, "-c", prog], input=textwrap.dedent(code),
                         capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def fmt_time(t):
    if isinstance(t, str):
        return t
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_ratio(a, b):
    if isinstance(a, str) or isinstance(b, str) or not b:
        return ""
    return f"{a / b:.2f}"


def _fail(method_name, combo, exc):
    print(f"  {method_name}{combo}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return f"error: {type(exc).__name__}"


def _warm_then_time(method, combo, timer, number):
    # One untimed call first: it absorbs the hand-over from the library timed just before
    # (its worker threads may still be spinning on the other core).
    method(*combo)
    return timer.timeit(number) / number


def time_row(inst, methods, combo, kind, repeat, min_time):
    """``{lib: seconds per call, or a string saying why there is none}`` for one row.

    The repeats are interleaved across libraries (round r times cygrad, numpy, torch in
    turn), so a burst of load from elsewhere hits all of them alike rather than only one.
    """
    result, runners = {}, {}
    for lib, method_name in methods.items():
        method = getattr(inst, method_name)
        own_setup = getattr(method, "setup", None)  # e.g. the torch-only guard
        try:
            if own_setup is not None:
                own_setup(*combo)
            if kind == "timeraw":
                code = method(*combo)
                runners[lib] = (lambda code=code: raw_once(code))
            else:
                timer = timeit.Timer(lambda method=method: method(*combo))
                number = autorange_number(timer, min_time)
                runners[lib] = (lambda method=method, timer=timer, number=number:
                                _warm_then_time(method, combo, timer, number))
            result[lib] = float("inf")
        except NotImplementedError:
            result[lib] = "skipped"
        except Exception as exc:  # one broken case must not hide the rest of the table
            result[lib] = _fail(method_name, combo, exc)
    for _ in range(repeat):
        for lib, run in list(runners.items()):
            try:
                result[lib] = min(result[lib], run())
            except Exception as exc:
                result[lib] = _fail(methods[lib], combo, exc)
                del runners[lib]
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", "--filter", default=None,
                    help="only rows whose name (e.g. 'Add.add(dtype=float32, ...)') matches")
    ap.add_argument("--threads", type=int, nargs="+", default=None,
                    help="only these values of the 'threads' parameter")
    ap.add_argument("-m", "--modules", nargs="+", choices=MODULES, default=MODULES,
                    metavar="MODULE", help="only these modules of benchmarks/ (default: all)")
    ap.add_argument("--repeat", type=int, default=5, help="repeats; the best is kept (5)")
    ap.add_argument("--min-time", type=float, default=0.05,
                    help="seconds each repeat runs at least; sets the call count (0.05)")
    args = ap.parse_args(argv)
    pattern = re.compile(args.filter) if args.filter else None

    import numpy as np

    import cygrad
    from benchmarks.common import torch

    libs = LIBS if torch is not None else LIBS[:2]
    versions = [f"cygrad {getattr(cygrad, '__version__', '?')}", f"numpy {np.__version__}"]
    if torch is not None:
        versions.append(f"torch {torch.__version__}")
    else:
        versions.append("torch not installed")

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: 1-minute load average is {load:.2f}; other work on the machine "
              "skews the timings, the threads=2 rows most", file=sys.stderr)

    rows = []
    for mod_name in [m for m in MODULES if m in args.modules]:
        module = importlib.import_module(f"benchmarks.{mod_name}")
        for cls, groups in collect(module):
            names = list(getattr(cls, "param_names", []))
            lists = param_lists(cls)
            for combo in itertools.product(*lists):
                named = dict(zip(names, combo))
                if args.threads is not None and "threads" in named \
                        and named["threads"] not in args.threads:
                    continue
                label = ", ".join(f"{k}={v}" for k, v in named.items())
                wanted = [(kind, case) for kind, case in groups
                          if pattern is None or pattern.search(f"{cls.__name__}.{case}({label})")]
                if not wanted:
                    continue
                inst = cls()
                setup_error = None
                if hasattr(inst, "setup"):
                    try:
                        inst.setup(*combo)
                    except NotImplementedError:
                        setup_error = "skipped"
                    except Exception as exc:
                        print(f"{cls.__name__}.setup{combo}: {type(exc).__name__}: {exc}",
                              file=sys.stderr)
                        setup_error = f"error: {type(exc).__name__}"
                for kind, case in wanted:
                    row_name = f"{cls.__name__}.{case}({label})"
                    print(row_name, file=sys.stderr, flush=True)
                    methods = {lib: groups[(kind, case)][lib] for lib in libs
                               if lib in groups[(kind, case)]}
                    if setup_error is not None:
                        times = {lib: setup_error for lib in methods}
                    else:
                        times = time_row(inst, methods, combo, kind, args.repeat,
                                         args.min_time)
                    rows.append((row_name, {lib: times.get(lib, "n/a") for lib in libs}))
                if hasattr(inst, "teardown") and setup_error is None:
                    inst.teardown(*combo)

    print(f"{', '.join(versions)}; {os.cpu_count()} CPUs, load average {load:.2f} at start; "
          f"best of {args.repeat} interleaved repeats; ratio < 1 means cygrad is faster")
    print()
    header = ["benchmark", "cygrad", "numpy", "cygrad/numpy"]
    if "torch" in libs:
        header += ["torch", "cygrad/torch"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row_name, t in rows:
        cells = [row_name, fmt_time(t["cygrad"]), fmt_time(t["numpy"]),
                 fmt_ratio(t["cygrad"], t["numpy"])]
        if "torch" in libs:
            cells += [fmt_time(t["torch"]), fmt_ratio(t["cygrad"], t["torch"])]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
