"""Test-suite settings shared by every test module.

Hypothesis: in CI (``CI`` set) the examples are derandomized, so a run is reproducible and a red
build can be replayed; locally each run explores new examples.  Either way a failure prints the
example that falsified it.

Chromium: the ``browser`` fixture is one headless Debian Chromium (driven by Playwright) per
worker process, shared by every test that asks for it.  In CI (``CI`` set) the browser must be
there; elsewhere those tests are skipped with a message when it is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


CHROMIUM = os.environ.get("TRUSTDATA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def need_browser():
    """Playwright's ``sync_playwright``, or skip (fail in CI) when Chromium or Playwright is
    missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI: Chromium is required for the browser test but {CHROMIUM} is missing.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium); not in CI.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]').")
    return sync_playwright


class _Chromium:
    """The worker's one Chromium, launched on first use; attributes are the Playwright browser's.

    While Playwright's sync API is started it marks its event loop as running in this thread, so
    ``asyncio.run`` (notebook kernels, kaleido) would fail in any other test: the browser is
    closed after the last of a run of tests that use it (``pytest_runtest_teardown``), and
    launched again if a later test asks for it.
    """

    def __init__(self, sync_playwright):
        self._sync_playwright = sync_playwright
        self._playwright = None
        self._browser = None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._browser is None:
            self._playwright = self._sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
            except BaseException:
                self._playwright.stop()
                self._playwright = None
                raise
        return getattr(self._browser, name)

    def close(self) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            finally:
                self._browser = None
                self._playwright.stop()
                self._playwright = None


_SHARED: list[_Chromium] = []


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Playwright's sync ``Browser``): open pages in a ``new_context()`` or
    ``new_page()`` of your own and close them."""
    chromium = _Chromium(need_browser())
    _SHARED.append(chromium)
    try:
        yield chromium
    finally:
        chromium.close()
        _SHARED.remove(chromium)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    # after the item's own fixtures are torn down: close the browser unless the next test uses it
    if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
        for chromium in _SHARED:
            chromium.close()
