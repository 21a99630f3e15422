"""The pages under their Content-Security-Policy in Chromium: the inbox, the administration
and the API explorer work with no violation, and an injected inline script does not run.
The administration offers only drivers and modules that exist; the planned say "em breve"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CLARA, KIOSK, WAIT_MS, RunningShop, open_chat, snap

pytestmark = pytest.mark.browser

# Runs before the page's scripts (Playwright's own channel, outside the page's policy).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


class Watched:
    """A tab whose policy violations, console errors and page errors are kept."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(viewport=KIOSK, locale="pt-BR")
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def violations(self, page: Page | None = None) -> list[str]:
        return list((page or self.page).evaluate("window.__violations"))

    def goto(self, url: str) -> str:
        """Load ``url``; its Content-Security-Policy header."""
        response = self.page.goto(url)
        assert response is not None, url
        assert response.ok, url
        return response.headers.get("content-security-policy", "")


def test_inbox_admin_and_schema_work_without_policy_violations(
    lean_shop: RunningShop, browser: Browser, output_dir: Path
) -> None:
    url = lean_shop.server.url
    tab = Watched(browser)
    page = tab.page
    try:
        policy = tab.goto(f"{url}/login")
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        page.fill("input[name=login]", "ana")
        page.fill("input[name=password]", "ana")
        page.click("button[type=submit]")
        expect(page.locator("#chat-list .chat").first).to_be_visible()
        open_chat(page, CLARA)
        expect(page.locator("#messages")).to_contain_text("Obrigada, até amanhã!")
        page.fill("#composer-input", "Chegou hoje, pode buscar.")
        page.click("#send-btn")
        expect(page.locator("#messages")).to_contain_text("Chegou hoje, pode buscar.")
        expect(page.locator("#info .info-name")).to_have_text(CLARA)
        snap(page, output_dir, "csp-inbox.png")
        assert tab.violations() == []

        # A script a page puts inline does not run: the policy is in force, not just sent.
        page.evaluate(
            """() => {
              const s = document.createElement("script");
              s.textContent = "window.__ran = true";
              document.body.append(s);
            }"""
        )
        expect(page.locator("body")).to_be_attached()
        page.wait_for_function("window.__violations.length > 0")
        assert page.evaluate("window.__ran === undefined")
        assert [v.split(" ")[0] for v in tab.violations()] == ["script-src-elem"]

        # The administration, as an admin, through several sections.
        admin = Watched(browser)
        try:
            admin.goto(f"{url}/login")
            admin.page.fill("input[name=login]", "admin")
            admin.page.fill("input[name=password]", "admin")
            admin.page.click("button[type=submit]")
            expect(admin.page.locator("#chat-list .chat").first).to_be_visible()
            admin_policy = admin.goto(f"{url}/admin")
            assert "script-src 'self'" in admin_policy
            for section, title in (
                ("users", "Usuários"),
                ("devices", "Aparelhos"),
                ("modules", "Módulos"),
                ("funnels", "Funis"),
            ):
                admin.page.click(f'.admin-link[data-section="{section}"]')
                expect(admin.page.locator("#admin-section h2")).to_have_text(title)
                if section == "devices":
                    # Only the drivers the bridge runs can be chosen; the planned ones say so.
                    option = admin.page.locator('#device-driver option[value="adb"]')
                    expect(option).to_be_disabled()
                    expect(option).to_contain_text("em breve")
                    expect(
                        admin.page.locator('#device-driver option[value="waweb"]')
                    ).to_be_enabled()
                    expect(admin.page.locator("#device-driver")).to_have_value("sim")
                if section == "modules":
                    for name in ("chatbot", "nps", "files"):
                        switch = admin.page.locator(f'input[data-module="{name}"]')
                        expect(switch).to_be_disabled()
                        expect(switch).not_to_be_checked()
                    expect(admin.page.locator(".module-planned")).to_have_count(3)
                    expect(admin.page.locator(".module-planned").first).to_contain_text("em breve")
                    expect(admin.page.locator('input[data-module="funnel"]')).to_be_enabled()
                    snap(admin.page, output_dir, "admin-modules-planned.png")
            snap(admin.page, output_dir, "csp-admin.png")
            assert admin.violations() == []

            # The API explorer renders the document from its data block.
            schema_policy = admin.goto(f"{url}/schema")
            assert "script-src 'self'" in schema_policy
            expect(admin.page.locator(".swagger-ui .info .title")).to_contain_text("Balcão API")
            expect(admin.page.locator(".opblock").first).to_be_visible()
            snap(admin.page, output_dir, "csp-schema.png")
            assert admin.violations() == []
            assert admin.console == []
            assert admin.errors == []
        finally:
            admin.context.close()
        assert tab.errors == []
    finally:
        tab.context.close()
