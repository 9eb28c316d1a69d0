"""The Dagster UI as a person uses it: `tweetchat ui` on the sample, a month materialised from
the CLI, then the run, the asset checks and a chart preview seen in headless Chromium."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, sample_variables
from tests.test_reports import chromium_path

TWEETCHAT = str(Path(sys.executable).with_name("tweetchat"))
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ui(sample_run):
    root = sample_run["root"]
    environment = {**os.environ, **sample_variables(root)}
    port = free_port()
    log = (root / "ui.log").open("w")
    server = subprocess.Popen(
        [TWEETCHAT, "ui", "--port", str(port), "--host", "127.0.0.1"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # Materialise April from the CLI meanwhile, into the same DAGSTER_HOME.
    run = subprocess.run(
        [TWEETCHAT, "run", "--month", "2023-04"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(2)
    else:
        os.killpg(server.pid, signal.SIGKILL)
        pytest.fail(f"the UI did not start: {(root / 'ui.log').read_text()[-3000:]}")
    yield {"url": url, "run": run}
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def page(ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def visit(page, url):
    page.goto(url)
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=4000)
        skip.click()
    except Exception:  # noqa: BLE001 - the community dialog shows once, if at all
        pass


def test_cli_run_shows_as_a_successful_run(ui, page):
    assert ui["run"].returncode == 0, ui["run"].stderr[-3000:]
    visit(page, f"{ui['url']}/runs")
    page.get_by_text("tweetchat_job").first.wait_for(timeout=60000)
    page.get_by_text("Success").first.wait_for(timeout=60000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui_runs.png"))


def test_asset_checks_are_listed(ui, page):
    visit(page, f"{ui['url']}/assets/marts/chat_activity?view=checks")
    for check in ("chat_activity", "published_figures", "series_volume"):
        page.get_by_text(check, exact=True).first.wait_for(timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "ui_checks.png"))


def test_chart_preview_in_the_asset_metadata(ui, page):
    visit(page, f"{ui['url']}/assets/reports/charts")
    page.get_by_text("key_figures").first.wait_for(timeout=60000)
    page.get_by_text("[Show Markdown]").first.click()
    preview = page.locator("img[src^='data:image/png;base64,']").first
    preview.wait_for(timeout=30000)
    assert preview.evaluate("image => image.naturalWidth") > 100
    page.screenshot(path=str(ARTIFACTS / "ui_chart_preview.png"), full_page=True)
