"""Page objects of the back office: what a flow does, not how the HTML is built."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect


@dataclass
class BackOffice:
    page: Page
    screens: Path

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(self.screens / f"{name}.png"), full_page=full_page)

    # --- pages
    def log_in(self, username: str, password: str) -> None:
        self.page.goto("/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page).to_have_url(re.compile(r"/w/[\w-]+/$"))

    def open_imports(self, ws: str) -> None:
        self.page.goto(f"/w/{ws}/imports/")

    def upload(self, path: Path) -> None:
        self.page.locator("input[name=export]").set_input_files(str(path))
        self.page.get_by_role("button", name="上传并导入").click()

    def wait_for_import(self, status: str = "done") -> None:
        expect(self.page.locator(f'.import-row [data-status="{status}"]').first).to_be_visible(
            timeout=120_000
        )

    def open_overview(self, ws: str) -> None:
        self.page.goto(f"/w/{ws}/")

    def group_cards(self):
        return self.page.locator(".group-card")

    def open_first_group(self) -> None:
        self.group_cards().first.locator("a").click()
        self.wait_for_charts()

    def wait_for_charts(self) -> None:
        for chart in ("chart-daily", "chart-weekly", "chart-joins", "chart-retention"):
            expect(self.page.locator(f"#{chart} .main-svg").first).to_be_visible()

    def open_person(self, ws: str, person_id: int) -> None:
        self.page.goto(f"/w/{ws}/people/{person_id}/")

    def merge_with(self, query: str, other_id: int) -> None:
        self.page.get_by_label("搜索要合并的人").fill(query)
        button = self.page.locator(f'[data-testid="merge-{other_id}"]')
        expect(button).to_be_visible()
        button.click()

    def open_merges(self, ws: str) -> None:
        self.page.goto(f"/w/{ws}/merges/")
