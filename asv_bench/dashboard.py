#!/usr/bin/env python
"""Benchmark recent commits with asv and publish the dashboard, in one command.

Runs, from ``asv_bench/``:

1. ``asv machine --yes`` when ``~/.asv-machine.json`` has no entry asv would use for this
   machine (a fresh machine or CI);
2. ``asv run`` over the last ``--last N`` commits of the configured branch (``main``),
   each built into asv's virtualenv (see ``asv.conf.json``), or, with ``--existing``,
   over the ``cygrad`` already installed in this Python, recorded as the current ``HEAD``
   commit (``--set-commit-hash``): only one commit can be measured that way, and the
   working tree's benchmarks are timed against whatever build is installed;
3. records the library versions of the benchmark environment beside the new result files
   (``<result>.versions``, read by ``perf_report.py``);
4. ``asv publish`` (writes ``html/``), and ``asv preview`` with ``--preview`` (serves it on
   a local port until interrupted).

Usage::

    python asv_bench/dashboard.py                      # HEAD of main, built in a virtualenv
    python asv_bench/dashboard.py --last 5             # the last 5 commits of main
    python asv_bench/dashboard.py --existing --preview # the installed build, then serve it
    python asv_bench/dashboard.py --last 3 --quick -b Matmul   # a fast check of the pipeline
    python asv_bench/dashboard.py --existing --report  # also rewrite the docs' ratio table

A full run of the suite takes about 8 minutes per commit on a 2-core machine, plus under
a minute to build each commit; ``--quick`` runs every benchmark once (its numbers
are saved like any others and replaced by the next full run of the same commit). Commits
that already have results on this machine are measured again unless ``--skip-existing``.
The exit status is asv run's (2 when a benchmark failed), or the first failing step's.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def asv_cmd():
    """The asv command line prefix, run with this Python so it finds its own asv."""
    return [sys.executable, "-m", "asv"]


def run(args, check=True):
    """Run a command in ``asv_bench/``, echoing it; returns its exit status."""
    print("+ " + shlex.join(args), flush=True)
    code = subprocess.call(args, cwd=HERE)
    if check and code != 0:
        raise SystemExit(code)
    return code


def load_config():
    with open(os.path.join(HERE, "asv.conf.json"), encoding="utf-8") as f:
        return json.load(f)


def machine_known(machine=None):
    """True if asv would find an entry for ``machine`` (default: this host) without asking."""
    from asv.machine import Machine, MachineCollection  # asv is required anyway

    path = MachineCollection.get_machine_file_path()
    if not os.path.isfile(path):
        return False
    try:
        with open(path, encoding="utf-8") as f:
            entries = {k: v for k, v in json.load(f).items() if k != "version"}
    except (OSError, ValueError):
        return False
    name = machine or Machine.get_unique_machine_name()
    return name in entries or (machine is None and len(entries) == 1)


def git(*args):
    return subprocess.check_output(["git", *args], cwd=HERE, text=True).strip()


def last_commits(branch, n):
    """The hashes of the last ``n`` first-parent commits of ``branch``, newest first."""
    return git("rev-list", "--first-parent", f"--max-count={n}", branch).split()


def results_snapshot(results_dir):
    """``{path: mtime}`` of the result files, to spot the ones a run wrote."""
    snap = {}
    for root, _, files in os.walk(results_dir):
        for name in files:
            if name.endswith(".json") and name not in ("machine.json", "benchmarks.json"):
                path = os.path.join(root, name)
                snap[path] = os.path.getmtime(path)
    return snap


def record_versions(before, results_dir, existing_python):
    """Write ``<result>.versions`` for every result file the run created or changed."""
    import perf_report

    env_dir = os.path.join(HERE, load_config().get("env_dir", "env"))
    for path, mtime in results_snapshot(results_dir).items():
        if before.get(path) == mtime:
            continue
        with open(path, encoding="utf-8") as f:
            env_name = json.load(f).get("env_name", "")
        if env_name.startswith("existing"):
            python = existing_python
        else:
            python = perf_report.env_python(env_name, env_dir)
        if python:
            versions = perf_report.write_versions(path, python)
            print(f"versions for {os.path.relpath(path, HERE)}: {versions}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--last", type=int, default=1, metavar="N",
                    help="benchmark the last N commits of the branch (default 1: its head)")
    ap.add_argument("--branch", default=None,
                    help="branch to take the commits from (default: asv.conf.json's first)")
    ap.add_argument("--existing", action="store_true",
                    help="measure the cygrad installed in this Python as the HEAD commit "
                         "instead of building commits (only one commit)")
    ap.add_argument("--quick", action="store_true", help="run every benchmark only once")
    ap.add_argument("-b", "--bench", action="append", default=[], metavar="REGEX",
                    help="only benchmarks matching this regex (repeatable)")
    ap.add_argument("--machine", default=None,
                    help="asv machine name (default: this host's entry, created if missing)")
    ap.add_argument("--skip-existing", action="store_true",
                    help="skip commits that already have results on this machine")
    ap.add_argument("--no-run", action="store_true", help="only publish (and preview)")
    ap.add_argument("--report", action="store_true",
                    help="then write the docs' ratio table and plot with perf_report.py")
    ap.add_argument("--preview", action="store_true",
                    help="serve the published dashboard with 'asv preview' (Ctrl-C stops)")
    args = ap.parse_args(argv)

    conf = load_config()
    results_dir = os.path.join(HERE, conf.get("results_dir", "results"))
    status = 0
    if not args.no_run:
        if not machine_known(args.machine):
            if args.machine:
                raise SystemExit(f"asv knows no machine {args.machine!r}: run "
                                 "'asv machine' in asv_bench/ first, or drop --machine")
            run(asv_cmd() + ["machine", "--yes"])
        cmd = asv_cmd() + ["run", "--show-stderr"]
        if args.machine:
            cmd += ["--machine", args.machine]
        if args.quick:
            cmd.append("--quick")
        for regex in args.bench:
            cmd += ["-b", regex]
        if args.skip_existing:
            cmd.append("--skip-existing-commits")
        hashfile = None
        if args.existing:
            if args.last != 1:
                print("note: --existing measures only the installed build; --last ignored",
                      file=sys.stderr)
            if git("status", "--porcelain", "--untracked-files=no", "--", "../src"):
                print("warning: src/ has uncommitted changes; the results are recorded as "
                      "HEAD, which may not match the installed build", file=sys.stderr)
            cmd += ["--environment", f"existing:{sys.executable}",
                    "--set-commit-hash", git("rev-parse", "HEAD")]
        else:
            branch = args.branch or conf.get("branches", ["main"])[0]
            hashes = last_commits(branch, args.last)
            if not hashes:
                raise SystemExit(f"no commits on {branch}")
            hashfile = os.path.join(HERE, f".dashboard-hashes-{os.getpid()}.txt")
            with open(hashfile, "w", encoding="utf-8") as f:
                f.write("\n".join(hashes) + "\n")
            print(f"commits: {', '.join(h[:8] for h in hashes)}", flush=True)
            cmd.append(f"HASHFILE:{hashfile}")
        before = results_snapshot(results_dir)
        started = time.monotonic()
        try:
            status = run(cmd, check=False)
        finally:
            if hashfile:
                os.remove(hashfile)
        print(f"asv run: exit status {status} after {(time.monotonic() - started) / 60:.1f} min",
              flush=True)
        record_versions(before, results_dir, sys.executable)
    run(asv_cmd() + ["publish"])
    print(f"dashboard: {os.path.join(HERE, conf.get('html_dir', 'html'), 'index.html')}")
    if args.report:
        import perf_report

        report_args = ["--results-dir", results_dir]
        if args.machine:
            report_args += ["--machine", args.machine]
        perf_report.main(report_args)
    if args.preview:
        run(asv_cmd() + ["preview"], check=False)
    return status


if __name__ == "__main__":
    sys.exit(main())
