"""Test-suite settings shared by every test module.

Hypothesis: in CI (``CI`` set) the examples are derandomized, so a run is reproducible and a red
build can be replayed; locally each run explores new examples.  Either way a failure prints the
example that falsified it.

Chromium: the ``browser`` fixture is one headless Debian Chromium (driven by Playwright) per
worker process, shared by every test that asks for it.  In CI (``CI`` set) the browser must be
there; elsewhere those tests are skipped with a message when it is missing.

The bundled sample: ``bundled_sample`` (:class:`SampleCache`) loads it, reviews a couple and
renders a page once per worker process for every module that asks; the logs and reviews it
hands out are copies.
"""

from __future__ import annotations

import copy
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


# --------------------------------------------------------------------------------------------
# The bundled sample, its reviews and pages: built once per worker, shared by every module
# --------------------------------------------------------------------------------------------

#: The bundled sample log folder.
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"


def _key(options: dict):
    """A dictionary key for ``options``, or None when a value cannot be one (a ``Logs``)."""
    key = tuple(sorted(options.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


class SampleCache:
    """The bundled sample loaded, reviewed and rendered once per worker process.

    A review of a sample couple takes seconds (with the reference cohort, several) and a page
    one to two; many modules read the same ones.  Every call hands out a fresh deep copy of a
    loaded ``Logs`` or a ``CoupleReview``, so a test that changed one could not change what
    another test reads; pages are strings.  The copies are what ``trustdata.load(SAMPLE)``,
    ``review(...)`` and ``report.render(...)`` return (the same calls, made once).  Ask for them
    outside any monkeypatch of trustdata: what is made first is what every later test reads.
    """

    def __init__(self) -> None:
        self._logs = None
        self._reviews: dict = {}
        self._pages: dict = {}

    def _loaded(self):
        if self._logs is None:
            import trustdata

            self._logs = trustdata.load(SAMPLE)
        return self._logs

    def logs(self):
        """``trustdata.load(SAMPLE)``: a copy of the one loaded."""
        return copy.deepcopy(self._loaded())

    def _review(self, couple: str, options: dict):
        from trustdata.review import review

        key = _key(options)
        if key is None:
            return review(self._loaded(), couple, **options)
        if (couple, key) not in self._reviews:
            self._reviews[couple, key] = review(self._loaded(), couple, **options)
        return self._reviews[couple, key]

    def review(self, couple: str, **options):
        """``review(trustdata.load(SAMPLE), couple, **options)``: a copy of the one made."""
        return copy.deepcopy(self._review(couple, options))

    def page(self, couple: str, audience: str = "couple", include_expected: bool = False,
             **options) -> str:  # fmt: skip
        """``report.render(review(sample, couple, **options), audience=audience,
        include_expected=include_expected)``, rendered once (the page ``report.build`` of the
        sample gives with the same arguments)."""
        from trustdata import report

        key = _key(options)
        page_key = (couple, audience, include_expected, key)
        if key is None or page_key not in self._pages:
            page = report.render(
                self._review(couple, options), audience=audience, include_expected=include_expected
            )
            if key is None:
                return page
            self._pages[page_key] = page
        return self._pages[page_key]


@pytest.fixture(scope="session")
def bundled_sample() -> SampleCache:
    """The bundled sample's logs, reviews and pages, each made once per worker
    (:class:`SampleCache`)."""
    return SampleCache()
