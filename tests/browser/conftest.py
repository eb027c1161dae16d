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
