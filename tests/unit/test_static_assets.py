"""The committed front-end assets are the build of the pinned packages, in Arial and without the crown.

`make assets` (assets/build.mjs) compiles assets/ehcp.scss into api/static/ehcp.css and copies the
JavaScript bundles, the images the CSS refers to and axe-core from the npm packages pinned in
assets/package.json (docs/pages-assets.md). Neither CI nor `make run` has node, so these tests read
the committed files: a missing build, a build of other versions, or one that brought back the GDS
Transport font or the crown, fails here.

Every check is a function from the files to the problems it finds. Each runs once on the real files
(no problems) and once on a bad example (the problem it is there to catch), so no check can pass by
accident.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "api" / "static"
CSS = STATIC / "ehcp.css"
VERSIONS = STATIC / "VERSIONS.txt"
PACKAGE_JSON = ROOT / "assets" / "package.json"
PACKAGE_LOCK = ROOT / "assets" / "package-lock.json"
AXE = ROOT / "tests" / "e2e" / "axe.min.js"
BUNDLES = {
    "govuk-frontend": STATIC / "govuk" / "govuk-frontend.min.js",
    "@ministryofjustice/frontend": STATIC / "moj" / "moj-frontend.min.js",
}
# GOV.UK Frontend and the MoJ components compile to well over this; a failed or empty build does not.
MIN_CSS_BYTES = 50_000

_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_FONT_FAMILY = re.compile(r"font-family:\s*([^;}]+)")


def css_urls(css: str) -> list[str]:
    return [match.group(2) for match in _URL.finditer(css)]


def font_problems(css: str) -> list[str]:
    """The GDS Transport font, and any font file at all, are GOV.UK's only; we use Arial."""
    problems = []
    if len(css.encode()) < MIN_CSS_BYTES:
        problems.append(f"only {len(css.encode())} bytes: not a build of GOV.UK Frontend")
    if "gds transport" in css.lower():
        problems.append("mentions the GDS Transport font")
    if "@font-face" in css:
        problems.append("declares a @font-face")
    problems.extend(f"refers to a font file: {url}" for url in css_urls(css) if "fonts/" in url)
    families = {family.strip().lower() for family in _FONT_FAMILY.findall(css)}
    if "arial,sans-serif" not in {family.replace(" ", "") for family in families}:
        problems.append(f"no font-family of arial, sans-serif among {sorted(families)}")
    return problems


def crown_problems(css: str) -> list[str]:
    """The royal crest (a crown) behind GOV.UK's footer copyright link is not ours to use."""
    return [f"refers to the crest: {url}" for url in css_urls(css) if "crest" in url]


def url_problems(css: str, static: Path) -> list[str]:
    """Every url() is served by the app itself (/static/ or data:), and each /static/ file is there."""
    problems = []
    for url in css_urls(css):
        if url.startswith("data:"):
            continue
        if not url.startswith("/static/"):
            problems.append(f"refers to {url}, which the app does not serve")
        elif not (static / url.removeprefix("/static/")).is_file():
            problems.append(f"refers to {url}, which is not in {static.name}/")
    return problems


def pinned(package_json: str) -> dict[str, str]:
    dependencies: dict[str, str] = json.loads(package_json)["dependencies"]
    return dependencies


def version_problems(versions_txt: str, package_json: str) -> list[str]:
    """VERSIONS.txt names exactly the pinned packages at their pinned versions."""
    built = dict(
        line.split(" ", 1) for line in versions_txt.splitlines() if line.strip() and not line.startswith("#")
    )
    want = pinned(package_json)
    problems = [
        f"{name}: pinned {want[name]}, built {built.get(name)}"
        for name in want
        if built.get(name) != want[name]
    ]
    problems.extend(
        f"{name} {built[name]} was built from but is not pinned" for name in built if name not in want
    )
    return problems


def test_css_is_built_in_arial_without_fonts() -> None:
    assert CSS.is_file(), "api/static/ehcp.css is missing: run `make assets`"
    assert font_problems(CSS.read_text(encoding="utf-8")) == []


def test_font_check_catches_the_govuk_default() -> None:
    govuk_default = (
        '@font-face{font-family:"GDS Transport";'
        'src:url("/static/govuk/assets/fonts/light-94a07e06a1-v2.woff2")}'
        'body{font-family:"GDS Transport",arial,sans-serif}'
    ) + "x" * MIN_CSS_BYTES
    problems = font_problems(govuk_default)
    assert problems[:3] == [
        "mentions the GDS Transport font",
        "declares a @font-face",
        "refers to a font file: /static/govuk/assets/fonts/light-94a07e06a1-v2.woff2",
    ]
    assert problems[3].startswith("no font-family of arial, sans-serif among")
    assert len(problems) == 4
    assert font_problems("body{font-family:arial,sans-serif}") == [
        "only 34 bytes: not a build of GOV.UK Frontend"
    ]


def test_css_has_no_crown() -> None:
    assert crown_problems(CSS.read_text(encoding="utf-8")) == []
    assert crown_problems('a::before{mask-image:url("/static/govuk/assets/images/govuk-crest.svg")}') == [
        "refers to the crest: /static/govuk/assets/images/govuk-crest.svg"
    ]


def test_every_url_in_the_css_is_a_committed_file() -> None:
    css = CSS.read_text(encoding="utf-8")
    assert any(url.startswith("/static/") for url in css_urls(css)), "the MoJ icons should be referred to"
    assert url_problems(css, STATIC) == []


def test_url_check_catches_missing_and_outside_files(tmp_path: Path) -> None:
    (tmp_path / "moj").mkdir()
    (tmp_path / "moj" / "here.svg").write_text("<svg/>", encoding="utf-8")
    css = (
        ".a{background:url(/static/moj/here.svg)}.b{background:url('/static/moj/gone.svg')}"
        '.c{background:url("https://cdn.example/x.svg")}.d{background:url("data:image/svg+xml,%3Csvg/%3E")}'
    )
    assert url_problems(css, tmp_path) == [
        f"refers to /static/moj/gone.svg, which is not in {tmp_path.name}/",
        "refers to https://cdn.example/x.svg, which the app does not serve",
    ]


def test_versions_are_the_pinned_ones() -> None:
    assert VERSIONS.is_file(), "api/static/VERSIONS.txt is missing: run `make assets`"
    package_json = PACKAGE_JSON.read_text(encoding="utf-8")
    assert version_problems(VERSIONS.read_text(encoding="utf-8"), package_json) == []
    # The pins are exact, and the lock file holds the same versions.
    lock = json.loads(PACKAGE_LOCK.read_text(encoding="utf-8"))["packages"]
    for name, version in pinned(package_json).items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
        assert lock[f"node_modules/{name}"]["version"] == version, name


def test_version_check_catches_a_stale_build() -> None:
    package_json = json.dumps({"dependencies": {"govuk-frontend": "6.6.0", "sass": "1.108.2"}})
    assert version_problems("# built\ngovuk-frontend 6.6.0\nsass 1.108.2\n", package_json) == []
    assert version_problems("govuk-frontend 6.5.0\nleft-pad 1.0.0\n", package_json) == [
        "govuk-frontend: pinned 6.6.0, built 6.5.0",
        "sass: pinned 1.108.2, built None",
        "left-pad 1.0.0 was built from but is not pinned",
    ]


@pytest.mark.parametrize("package", sorted(BUNDLES))
def test_javascript_bundle_is_the_pinned_version(package: str) -> None:
    bundle = BUNDLES[package]
    assert bundle.is_file(), f"{bundle.relative_to(ROOT)} is missing: run `make assets`"
    version = pinned(PACKAGE_JSON.read_text(encoding="utf-8"))[package]
    assert f'version="{version}"' in bundle.read_text(encoding="utf-8")


def test_axe_is_there_for_the_browser_tests() -> None:
    assert AXE.is_file(), "tests/e2e/axe.min.js is missing: run `make assets`"
    version = pinned(PACKAGE_JSON.read_text(encoding="utf-8"))["axe-core"]
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{version}")
