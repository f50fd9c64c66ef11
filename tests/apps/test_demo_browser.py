"""A real browser asks the QA page a question (Playwright, Debian chromium).

Needs Debian's chromium (`apt-get install -y chromium`); never a browser
downloaded by `playwright install`.
"""

import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from kbert.commands.demo import stop
from tests.apps.conftest import APP, free_port
from tests.conftest import REPO

CONTEXT = (
    "The Avon flows through Bath. Bath is a city in Somerset, England, "
    "known for its Roman baths & Georgian houses."
)
QUESTION = "Which river flows through Bath?"


def wait_for_health(url, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "streamlit exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer {url} in {timeout} s")


@pytest.fixture
def server(models_dir):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP),
         "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=REPO,
        env=dict(os.environ, KBERT_MODELS_DIR=str(models_dir)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://localhost:{port}"
        wait_for_health(f"{url}/_stcore/health", process)
        yield url
    finally:
        stop(process)


def test_question_answering_in_chromium(server, loaded, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Debian's chromium is not installed; install it with "
            "`apt-get update && apt-get install -y chromium` (never "
            "`playwright install`)."
        )
    from playwright.sync_api import expect, sync_playwright

    answer = loaded["qa"]["qa"](QUESTION, CONTEXT)[0]["answer"]
    assert answer
    screenshot = tmp_path / "qa_page.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(server)
            page.get_by_text("Question answering", exact=True).click()
            context = page.get_by_label("Context")
            context.fill(CONTEXT)
            # Streamlit takes a text area's value on Ctrl+Enter or blur.
            context.press("Control+Enter")
            question = page.get_by_label("Question", exact=True)
            question.fill(QUESTION)
            question.press("Enter")
            page.get_by_role("button", name="Answer").click()
            # The first press imports Keras and loads the model.
            expect(page.locator("mark")).to_have_text(answer, timeout=120_000)
            expect(page.locator(".kbert-answer")).to_have_text(
                f"Answer: {answer}"
            )
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 0
    print(f"screenshot: {screenshot}")
