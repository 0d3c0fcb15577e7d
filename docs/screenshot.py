"""Screenshots of the built documentation in headless Chromium, for a person to look at.

Build the HTML first, then run this script from the repository root::

    sphinx-build -W --keep-going -b html docs docs/_build/html
    python docs/screenshot.py

It saves one PNG per page (the landing page, a guide page, a reference page, by default)
into ``docs/_build/screenshots/`` and prints their paths. The pages are opened the way a
reader's browser opens them, with the theme's CSS and JavaScript, so a broken layout, a
missing picture or an unreadable table shows up in the image. Chromium comes from Debian's
``chromium`` package (``apt-get install chromium``); ``--browser`` names another binary.
"""
import argparse
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

# (output name, page relative to the HTML root, optional #fragment to scroll to)
PAGES = [
    ("landing", "index.html", ""),
    ("guide-autograd-graph", "guide/autograd.html", "#the-graph-nodes-and-edges"),
    ("guide-performance", "guide/performance.html", ""),
    ("reference-tensor", "reference/generated/cygrad.Tensor.html", ""),
    ("reference-linear", "reference/generated/cygrad.nn.Linear.html", ""),
]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser(name=None):
    """The path of the Chromium binary to use (``name`` if given, else the first found)."""
    for candidate in ([name] if name else BROWSERS):
        path = shutil.which(candidate)
        if path:
            return path
    sys.exit("screenshot.py: no Chromium found (tried %s); install Debian's 'chromium' "
             "package or pass --browser" % ", ".join([name] if name else BROWSERS))


# Headless Chromium draws a blank image when the page itself scrolls to a #fragment, so the
# page is shown in a full-window frame, which scrolls inside while the window stays put.
FRAME = """<!DOCTYPE html>
<html><body style="margin:0;overflow:hidden">
<iframe src="{url}" style="border:0;width:100vw;height:100vh;display:block"></iframe>
</body></html>
"""


def screenshot(browser, url, out, width, height, timeout=120):
    """Save a ``width`` x ``height`` screenshot of ``url`` to ``out`` with headless Chromium."""
    frame = out.with_suffix(".frame.html")
    frame.write_text(FRAME.format(url=url), encoding="utf-8")
    cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", "--allow-file-access-from-files",
           "--virtual-time-budget=3000", f"--window-size={width},{height}",
           f"--screenshot={out}", frame.as_uri()]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        frame.unlink()
    if result.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"Chromium failed on {url} (exit {result.returncode}):\n"
                           f"{result.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=pathlib.Path, default=HERE / "_build" / "html",
                        help="the built HTML site (default: docs/_build/html)")
    parser.add_argument("--out", type=pathlib.Path, default=HERE / "_build" / "screenshots",
                        help="where to write the PNGs (default: docs/_build/screenshots)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1600)
    parser.add_argument("--browser", help="Chromium binary (default: the first on PATH)")
    parser.add_argument("pages", nargs="*", metavar="PAGE",
                        help="pages to shoot, relative to the HTML root (default: a set of "
                             "landing, guide and reference pages)")
    args = parser.parse_args(argv)

    pages = PAGES
    if args.pages:
        pages = [(pathlib.PurePosixPath(p.split("#")[0]).stem.replace(".", "-"),
                  p.split("#")[0], "#" + p.split("#")[1] if "#" in p else "")
                 for p in args.pages]
    browser = find_browser(args.browser)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for name, page, fragment in pages:
        path = (args.html / page).resolve()
        if not path.exists():
            print(f"missing: {path} (build the docs first)", file=sys.stderr)
            failed = True
            continue
        out = args.out / f"{name}.png"
        screenshot(browser, path.as_uri() + fragment, out, args.width, args.height)
        print(out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
