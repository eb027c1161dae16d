"""Browser-test harness: Debian's Chromium driven by Playwright against pytest-django's live server.

- No `playwright install`: the browser is /usr/bin/chromium (DESIGN.md §8).
- The live server listens on localhost:<port>; Chromium resolves every `*.localhost` name to the
  loopback address, so `tenant_url(HOST_A, "/accounts/login/")` reaches it as tenant A. Only the
  browser does: `page.request` / `context.request` resolve names in Node and fail with ENOTFOUND on
  `*.localhost` — fetch through the page (`page.goto`, `page.evaluate("fetch(...)")`) instead.
- Tests need `@pytest.mark.browser` and `@pytest.mark.django_db(transaction=True)`: the live
  server runs in another thread and only sees committed data.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests and fixtures
# make beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: run make test, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser) -> Iterator:
    """A fresh browser profile per test: no cookies or storage leak between tests."""
    ctx = browser.new_context(locale="fr-BE", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context) -> Iterator:
    yield context.new_page()


@pytest.fixture
def tenant_url(live_server) -> Callable[[str, str], str]:
    """`tenant_url("alpha.localhost", "/accounts/login/")` → the live server at that host."""
    port = urlsplit(live_server.url).port

    def build(host: str, path: str = "/") -> str:
        return f"http://{host}:{port}{path}"

    return build


def axe_violations(page, context=None) -> list[dict]:
    """Run axe-core (bundled by axe-playwright-python) on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, context=context).response["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe-core violation(s):"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} node(s)] {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = ", ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def axe_check(page, context=None) -> None:
    """Fail the test, listing every violation (id, impact, nodes), if axe-core finds any."""
    violations = axe_violations(page, context)
    if violations:
        pytest.fail(f"{page.url}\n{format_violations(violations)}", pytrace=False)


@pytest.fixture(name="axe_check")
def axe_check_fixture() -> Callable[..., None]:
    return axe_check


# --- Issue 13: every page at a phone's and a desktop's size -------------------------------------

DEMO_HOSTS = (
    "creos.localhost",
    "eceps.localhost",
    "m365.localhost",
    "sepne.localhost",
    "creteil.localhost",
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# Screenshots of the pages the layout checks visit, kept as CI artifacts (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


@pytest.fixture(params=sorted(VIEWPORTS), ids=sorted(VIEWPORTS))
def viewport_name(request) -> str:
    return request.param


@pytest.fixture
def ui_locale() -> str:
    """The browser's language; `@pytest.mark.parametrize("ui_locale", ["en-GB"])` for English."""
    return "fr-BE"


@pytest.fixture
def sized_context(browser, viewport_name, ui_locale) -> Iterator:
    """A fresh profile at a phone's (390×844, touch) or a desktop's (1280×800) size."""
    phone = viewport_name == "phone"
    ctx = browser.new_context(
        locale=ui_locale,
        viewport=VIEWPORTS[viewport_name],
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    if not ui_locale.startswith("fr"):
        # The portal follows the language chosen on its pages (a cookie), not Accept-Language.
        language = ui_locale.split("-")[0]
        ctx.add_cookies(
            [
                {"name": "django_language", "value": language, "domain": host, "path": "/"}
                for host in DEMO_HOSTS
            ]
        )
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def sized_page(sized_context) -> Iterator:
    yield sized_context.new_page()


# Each visible button, link styled as a button, and submit input: a person must reach it
# without scrolling sideways. Links inside running text are not actions.
_ACTIONS_OUTSIDE_JS = """() => {
  const width = window.innerWidth;
  const selector = 'button, input[type=submit], input[type=button], a.button, a[role=button], '
    + '.actions a';
  const outside = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (el.closest('[hidden], details:not([open]) > :not(summary)')) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const label = (el.innerText || el.value || '').trim().slice(0, 40);
      outside.push(`${el.tagName.toLowerCase()} «${label}» `
        + `x=${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return outside;
}"""


def check_layout(page, name: str, *, axe: bool = True) -> None:
    """The issue's checks for one page: nothing scrolls sideways, every action button lies inside
    the viewport, axe-core finds nothing; a full-page screenshot goes to test-artifacts/screens/."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner_width = page.evaluate("window.innerWidth")
    problems = []
    if scroll_width > inner_width:
        problems.append(f"the page scrolls sideways: scrollWidth {scroll_width} > {inner_width}")
    # A phone (is_mobile) shows a page wider than its screen zoomed out: innerWidth grows with
    # the page, and the test above passes. Measured against the screen, it does not.
    if width and inner_width > width:
        problems.append(f"wider than the {width} px screen: zoomed out to {inner_width} px")
    outside = page.evaluate(_ACTIONS_OUTSIDE_JS)
    if outside:
        problems.append("actions outside the viewport: " + "; ".join(outside))
    if axe:
        violations = axe_violations(page)
        if violations:
            problems.append(format_violations(violations))
    if problems:
        pytest.fail(f"{name} at {width}px ({page.url}):\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(name="check_layout")
def check_layout_fixture() -> Callable[..., None]:
    return check_layout


@pytest.fixture(scope="session")
def french_words() -> frozenset[str]:
    return french_catalogue_words()


_WORD = r"[a-zàâäçéèêëîïôöùûüÿœæ]{4,}"


def french_catalogue_words() -> frozenset[str]:
    """Words of the French msgids that no English msgstr uses: if one shows on an English page,
    a string escaped translation."""
    import re

    from django.conf import settings

    french: set[str] = set()
    english: set[str] = set()
    for locale_dir in settings.LOCALE_PATHS:
        po = Path(locale_dir) / "en" / "LC_MESSAGES" / "django.po"
        if not po.exists():
            continue
        current = None
        for line in po.read_text(encoding="utf-8").splitlines():
            if line.startswith("msgid") or line.startswith("msgid_plural"):
                current = french
            elif line.startswith("msgstr"):
                current = english
            elif not line.startswith('"'):
                current = None
                continue
            if current is not None and '"' in line:
                text = line[line.index('"') :]
                # Placeholders and markup are not words a reader sees.
                text = re.sub(r"%\(\w+\)[sd]|\{[^}]*\}|<[^>]+>|&\w+;", " ", text)
                current.update(re.findall(_WORD, text.lower()))
    return frozenset(french - english)


def french_left_on_page(page, words: frozenset[str], allow: frozenset[str] = frozenset()) -> list:
    """The catalogue's French words in the page's visible text (the people's and schools' names
    and other data are in `allow`)."""
    import re

    from django.conf import settings

    # A language is named in its own language wherever one is chosen (« Français »).
    native_names = {name.lower() for _code, name in settings.LANGUAGES}
    text = page.evaluate("document.body.innerText").lower()
    return sorted(set(re.findall(_WORD, text)) & words - allow - native_names)
