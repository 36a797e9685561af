"""/api/docs works on a desk with no internet: Swagger UI comes from our own origin."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_the_docs_page_loads_nothing_from_another_site(client: Any) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/api/docs/assets/") for a in assets)
    assert "cdn" not in html.lower() and "http" not in html
    assert "default-src 'self'" in page["Content-Security-Policy"]
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200 and asset["X-Content-Type-Options"] == "nosniff"
        assert b"".join(asset.streaming_content)
    for name in ("..%2F..%2Fsettings.py", "swagger-ui-bundle.js.map", "redoc.standalone.js"):
        missing = client.get(f"/api/docs/assets/{name}")
        assert missing.status_code == 404 and missing.json()["correlation_id"]


def test_swagger_ui_renders_in_a_browser_without_leaving_our_origin(live_server: Any) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("no Chromium (scripts/system-deps installs it)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            problems: list[str] = []
            hosts: set[str] = set()
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
            page.goto(f"{live_server.url}/api/docs")
            page.wait_for_selector(".opblock", timeout=20_000)
            assert page.locator(".opblock").count() == 7
            assert problems == []  # a CSP violation would be reported here
            assert hosts == {live_server.url.split("/")[2]}
        finally:
            browser.close()
