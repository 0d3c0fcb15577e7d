"""docs/screenshot.py: headless-Chromium screenshots of built pages (skipped without Chromium).

The script is checked on a two-page site written here, so no Sphinx build is needed: a page
and a ``#fragment`` of a long page must both come out as real, non-blank PNG images.
"""
import importlib.util
import pathlib
import shutil
import struct
import zlib

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "docs" / "screenshot.py"


def load_script():
    spec = importlib.util.spec_from_file_location("docs_screenshot", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size_and_colours(path):
    """(width, height) of a PNG and whether its first rows hold more than one colour."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    # decompress the image data and look at the raw bytes of the first rows
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return (width, height), len(set(raw[:200 * width])) > 8


@pytest.fixture
def site(tmp_path):
    html = tmp_path / "html"
    (html / "guide").mkdir(parents=True)
    (html / "index.html").write_text(
        "<html><body style='background:#fff'><h1 style='color:#c00'>cygrad</h1>"
        "<p>landing page</p></body></html>", encoding="utf-8")
    filler = "".join(f"<p>paragraph {i}</p>" for i in range(300))
    (html / "guide" / "long.html").write_text(
        f"<html><body>{filler}<h2 id='target' style='color:#00c'>Target</h2>"
        f"{filler}</body></html>", encoding="utf-8")
    return html


def test_missing_page_is_reported(site, tmp_path, capsys):
    module = load_script()
    if shutil.which("chromium") is None and all(shutil.which(b) is None
                                                for b in module.BROWSERS):
        pytest.skip("no Chromium on this machine")
    code = module.main(["--html", str(site), "--out", str(tmp_path / "shots"), "nope.html"])
    assert code == 1
    assert "missing" in capsys.readouterr().err


def test_screenshots_of_a_page_and_a_fragment(site, tmp_path):
    module = load_script()
    if all(shutil.which(b) is None for b in module.BROWSERS):
        pytest.skip("no Chromium on this machine")
    out = tmp_path / "shots"
    code = module.main(["--html", str(site), "--out", str(out), "--width", "640",
                        "--height", "480", "index.html", "guide/long.html#target"])
    assert code == 0
    for name in ("index.png", "long.png"):
        size, has_content = png_size_and_colours(out / name)
        assert size == (640, 480)
        assert has_content, f"{name} is blank"
    assert not list(out.glob("*.frame.html"))      # the temporary frame pages are removed
    # the fragment was scrolled to: the blue heading half-way down the page is on screen
    Image = pytest.importorskip("PIL.Image")

    def has_blue(name):
        rgb = Image.open(out / name).convert("RGB").tobytes()
        return any(b > 150 and r < 80 and g < 80
                   for r, g, b in zip(rgb[0::3], rgb[1::3], rgb[2::3]))

    assert has_blue("long.png") and not has_blue("index.png")
