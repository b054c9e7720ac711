"""The January through the desk's page (issue 15's "Done when"), in a real headless Chromium
driving ``gongkai-xlsx ui`` itself (waitress on 127.0.0.1, signed in with its token), with
the files of the terminal January (tests/january_county.py): the GBK roster with contacts
uploaded, the templates made and downloaded, the three rounds of returns picked through
the file input (Selenium cannot drag from the desktop), the 退回 page and each marked copy
after each round, the 汇总 with its completeness and the summary workbook, and a Word
report with its 正文. After each round every status and count the page shows (the
collecting page's tally, counts line and agency table; the 退回 rows; the 汇总's
completeness) must equal report.json's, and report.json's statuses must be the terminal
January's (``ROUND_1``..``ROUND_3``).

A screenshot of each step is saved (``GONGKAI_DESK_SHOTS``, else the test's folder) for a
person to look at.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import chromium
import pytest
from desk_helpers import Server, real_server
from january_county import (
    OFF_ROSTER,
    ROSTER,
    ROUND_1,
    ROUND_2,
    ROUND_3,
    SILENT_ONE,
    A,
    contact,
    make_templates,
    round_one,
    round_three,
    round_two,
    write_roster,
)
from test_report_page import _require_chromium

from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.naming import template_file_name
from gongkai_xlsx.reader import read_return

pytestmark = [pytest.mark.libreoffice, pytest.mark.chromium]

SEND_BACK = ("errors", "unreadable")
TEXT = [
    "一、总体情况",
    "2024年，某县甲局认真贯彻落实政务公开工作要求。",
    "二、主动公开政府信息情况",
]


class Page:
    """The desk in Chromium: its address, the session's cookie for raw downloads, and a
    screenshot of each step."""

    def __init__(self, driver: Any, server: Server, shots: Path) -> None:
        self.driver, self.server, self.shots = driver, server, shots
        self.base = f"http://127.0.0.1:{server.port}"
        self.taken: list[Path] = []

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def wait(self, condition: Callable[[Any], Any], seconds: float = 120) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        wait = WebDriverWait(
            self.driver, seconds, ignored_exceptions=[StaleElementReferenceException]
        )
        return wait.until(condition)

    def text(self, css: str) -> str:
        return str(self.driver.find_element("css selector", css).text)

    def has(self, css: str) -> bool:
        return bool(self.driver.find_elements("css selector", css))

    def table(self, css: str) -> list[list[str]]:
        return list(
            self.driver.execute_script(
                "return Array.prototype.map.call(document.querySelectorAll(arguments[0] + ' tbody tr'),"
                " function (tr) { return Array.prototype.map.call(tr.children,"
                " function (td) { return td.textContent; }); });",
                css,
            )
        )

    def shot(self, name: str) -> None:
        path = self.shots / f"{len(self.taken) + 1:02d}-{name}.png"
        chromium.full_page_screenshot(self.driver, path)
        self.driver.set_window_size(1280, 1000)
        self.taken.append(path)

    def fetch(self, href: str) -> bytes:
        """A download as the browser's session gets it (Selenium does not save files)."""
        name = f"gk_desk_{self.server.port}"  # cookies of 127.0.0.1 are shared by its ports
        cookie = next(c for c in self.driver.get_cookies() if c["name"] == name)
        path = href.removeprefix(self.base)
        status, _, body = self.server.request(
            "GET", path, headers={"Cookie": f"{cookie['name']}={cookie['value']}"}
        )
        assert status == 200, (href, status)
        return body

    def jobs_idle(self) -> bool:
        data = json.loads(self.fetch(self.base + "/collect/status.json"))
        return not data["jobs"]["running"] and not data["jobs"]["waiting"]


@pytest.fixture(scope="module")
def driver() -> Any:
    _require_chromium()
    with chromium.browser() as d:
        yield d


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("GONGKAI_DESK_SHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("desk-shots")


def counts_line(roster: dict[str, Any]) -> str:
    """report.json's roster counts, in the one wording of the counts."""
    parts = [
        f"{w} {n} 个"
        for w, n in (("待修改", roster["to_fix"]), ("无法读取", roster["unreadable"]))
        if n
    ]
    within = f"（其中{'、'.join(parts)}）" if parts else ""  # a part that is 0 is left out
    return (
        f"名单 名单.csv：已收到 {roster['submitted']}/{roster['expected']} 个单位{within}；"
        f"未报送 {len(roster['missing'])} 个；另有不在名单中的单位 {len(roster['extra'])} 个（另计）。"
    )


def collect(page: Page, files: list[Path]) -> None:
    """Pick ``files`` in the collecting page's file input; wait for their check."""
    page.open("/collect/")
    before = int(page.driver.find_element("id", "gk-status").get_attribute("data-version"))
    page.driver.find_element("id", "gk-files").send_keys("\n".join(str(p) for p in files))
    page.wait(
        lambda d: (
            int(d.find_element("id", "gk-status").get_attribute("data-version")) > before
            and page.jobs_idle()
            and d.find_element("id", "gk-status").get_attribute("data-version")
            == str(json.loads(page.fetch(page.base + "/collect/status.json"))["version"])
        ),
        300,
    )


def check_round(page: Page, work: Path, expected: dict[str, str], round_no: int) -> dict[str, Any]:
    """Every status and count on the collecting, 退回 and 汇总 pages against report.json;
    report.json's statuses against the terminal January's."""
    report = json.loads((work / "结果" / "report.json").read_text("utf-8"))
    labels = report["agency_status_labels"]
    roster = report["roster"]
    statuses = {a["name"]: labels[a["status"]] for a in roster["agencies"]}
    assert statuses == expected  # the terminal January's statuses, agency by agency

    # 收集报表: the tally, the counts line, every agency's status and files
    page.open("/collect/")
    page.wait(lambda d: d.find_elements("id", "gk-roster-line"))
    tally = page.driver.execute_script(
        "var out = {}; document.querySelectorAll('.gk-tally li').forEach(function (li) {"
        " out[li.getAttribute('data-status')] = li.querySelector('strong').textContent; });"
        " return out;"
    )
    summary = report["summary"]
    assert {k: int(v) for k, v in tally.items()} == {k: summary[f"returns_{k}"] for k in tally}
    assert page.text("#gk-roster-line") == counts_line(roster)
    rows = page.table("#gk-agencies")
    assert [r[1] for r in rows] == ROSTER
    assert {r[1]: r[2] for r in rows} == statuses
    files = {a["name"]: a["files"] for a in roster["agencies"]}
    assert {r[1]: r[3].split() for r in rows} == {n: f for n, f in files.items()}
    assert page.text("#gk-extra") == "不在名单中的单位（1 个，另计）" and OFF_ROSTER in page.text(
        "#gk-roster"
    )
    page.shot(f"round{round_no}-collect")

    # 退回: one row per agency to send back, the roster's contacts, each marked copy
    page.open("/send_back/")
    back = [a for a in ROSTER if statuses[a] in (labels[s] for s in SEND_BACK)]
    if not back:
        assert page.text("#gk-nothing-back") == "现在没有需要退回修改的报表。"
    else:
        rows = page.table("#gk-send-back")
        assert [r[1] for r in rows] == back
        for r in rows:
            assert tuple(r[2:5]) == contact(r[1]) and r[9] == "名单"
            wanted = "有错误" if statuses[r[1]] == labels["errors"] else "无法读取"
            assert r[5] == wanted
        links = page.driver.find_elements("css selector", "#gk-send-back a.gk-copy")
        to_fix = [a for a in back if statuses[a] == labels["errors"]]
        names = [link.text for link in links]
        assert [re.fullmatch(r"(.+)_退回修改_\d{8}\.xlsx", n)[1] for n in names] == to_fix  # type: ignore[index]
        for link in links:
            href = link.get_attribute("href")
            assert unquote(href).endswith("/退回/" + link.text)
            assert page.fetch(href) == (work / "退回" / link.text).read_bytes()
    page.shot(f"round{round_no}-send-back")

    # 汇总: the completeness shown before the summary is made
    page.open("/summary/")
    assert page.text("#gk-summary-line") == counts_line(roster)
    assert {r[0]: r[1] for r in page.table("#gk-completeness")} == statuses
    return report


def test_the_january_through_the_desk(
    form: Form, layout: Layout, tmp_path: Path, driver: Any, shots: Path
) -> None:
    templates = make_templates(form, tmp_path / "模板来源")
    clerk = tmp_path / "clerk"
    round_one(clerk, layout, templates, tmp_path / "scratch")
    round_two(clerk, layout, templates)
    round_three(clerk, layout, templates)
    roster_file = write_roster(tmp_path / "名单.csv")
    work = tmp_path / "2024年度"

    with real_server(work) as server:
        page = Page(driver, server, shots)
        driver.set_window_size(1280, 1000)
        page.open(f"/?token={server.token}")
        page.wait(lambda d: d.find_elements("css selector", "nav.gk-steps"))
        assert "token" not in driver.current_url

        # 1 名单
        page.open("/roster/")
        assert page.has("#gk-no-roster")
        driver.find_element("id", "gk-roster-file").send_keys(str(roster_file))
        driver.find_element("id", "gk-roster-upload").click()
        page.wait(lambda d: d.find_elements("id", "gk-roster"))
        assert page.text("#gk-roster-count") == "12"
        rows = page.table("#gk-roster")
        assert [(r[1], *r[2:5]) for r in rows] == [(n, *contact(n)) for n in ROSTER]
        page.shot("roster")

        # 2 模板
        page.open("/templates/")
        assert page.driver.find_element("id", "gk-year").get_attribute("value")
        year = driver.find_element("id", "gk-year")
        year.clear()
        year.send_keys("2024")
        driver.find_element("id", "gk-make-templates").click()
        page.wait(
            lambda d: d.find_element("id", "gk-template-count").text == "12" and page.jobs_idle()
        )
        page.open("/templates/")
        assert "已生成 12 份 2024 年度填报模板。" in page.text("#gk-templates-outcome")
        made = sorted(p.name for p in (work / "模板").iterdir())
        listed = [r[1] for r in page.table("#gk-templates")]
        assert listed == [template_file_name(2024, a) for a in ROSTER]  # the roster's order
        assert sorted(listed) == made
        zipped = page.fetch(driver.find_element("id", "gk-templates-zip").get_attribute("href"))
        with zipfile.ZipFile(io.BytesIO(zipped)) as z:
            assert sorted(z.namelist()) == made
        for link, name in zip(
            driver.find_elements("css selector", "#gk-templates a"), listed, strict=True
        ):  # each one alone, as the roster lists it
            assert page.fetch(link.get_attribute("href")) == (work / "模板" / name).read_bytes()
        page.shot("templates")

        # 3-4, three rounds: returns picked in the file input, then every view checked
        for number, folder, expected in (
            (1, "第一轮", ROUND_1),
            (2, "1月20日微信", ROUND_2),
            (3, "1月22日", ROUND_3),
        ):
            collect(page, sorted((clerk / folder).iterdir()))
            report = check_round(page, work, expected, number)
        assert not (work / "退回" / "退回清单.xlsx").exists()
        by_agency = {a["name"]: a for a in report["roster"]["agencies"]}
        assert by_agency[SILENT_ONE]["status"] == "missing"

        # 5 汇总: made from the page, the warning in the terminal's words, read back
        page.open("/summary/")
        name = driver.find_element("id", "gk-summary-name")
        name.clear()
        name.send_keys("某县")
        driver.find_element("id", "gk-make-summary").click()
        page.wait(lambda d: d.find_elements("id", "gk-summary-download") and page.jobs_idle())
        page.open("/summary/")
        made_text = page.text("#gk-summary-made")
        assert "注意：汇总不完整——未报送 1 个单位，均未计入。" in made_text
        link = driver.find_element("id", "gk-summary-download")
        assert link.text == "汇总/某县_2024年度_汇总.xlsx"
        workbook = work / "汇总" / "某县_2024年度_汇总.xlsx"
        assert page.fetch(link.get_attribute("href")) == workbook.read_bytes()
        back = read_return(workbook)
        assert back.completeness is not None
        labels = report["agency_status_labels"]
        assert {a["name"]: labels[a["status"]] for a in back.completeness["agencies"]} == ROUND_3
        page.shot("summary")

        # 6 发布: 某县甲局's Word report with its 正文 (a Word document), and its tables
        from docx import Document

        text_file = tmp_path / "甲局正文.docx"
        document = Document()
        for line in TEXT:
            document.add_paragraph(line)
        document.save(str(text_file))
        page.open("/publish/")
        from selenium.webdriver.support.ui import Select

        Select(driver.find_element("id", "gk-publish-document")).select_by_visible_text(A["甲"])
        driver.find_element("id", "gk-publish-text").send_keys(str(text_file))
        driver.find_element("id", "gk-publish-docx").click()
        page.wait(lambda d: d.find_elements("id", "gk-published"))
        notice = page.text(".gk-notice")
        assert notice.startswith(f"已生成“{A['甲']}”的Word 报告：发布/"), notice
        (word,) = (work / "发布").glob("*.docx")
        paragraphs = [p.text for p in Document(str(word)).paragraphs]
        assert TEXT[1] in paragraphs
        Select(driver.find_element("id", "gk-publish-document")).select_by_visible_text(A["甲"])
        driver.find_element("id", "gk-publish-html").click()
        page.wait(lambda d: len(d.find_elements("css selector", "#gk-published tbody tr")) == 2)
        (tables,) = (work / "发布").glob("*.html")
        assert "<table" in tables.read_text("utf-8")
        page.shot("publish")

    assert [p.name for p in page.taken] == [
        "01-roster.png",
        "02-templates.png",
        *(
            f"{2 * n + i:02d}-round{n}-{step}.png"
            for n in (1, 2, 3)
            for i, step in ((1, "collect"), (2, "send-back"))
        ),
        "09-summary.png",
        "10-publish.png",
    ]


def test_a_script_in_an_agency_name_stays_text_in_chromium(
    form: Form, layout: Layout, tmp_path: Path, driver: Any, shots: Path
) -> None:
    """An agency named ``<img src=x onerror=alert(1)>`` on the roster, whose return goes
    back: on every step's page Chromium shows the name as text, makes no element of it,
    and runs nothing (no alert, no console error)."""
    from conftest import fill_with_openpyxl
    from selenium.common.exceptions import NoAlertPresentException
    from test_agency_status import BROKEN
    from test_desk_steps import CONTACTS, HOSTILE, roster_csv

    from gongkai_xlsx.writer import TemplateOptions, write_template

    roster = tmp_path / "名单.csv"
    roster_csv(roster)
    template = tmp_path / "t.xlsx"
    write_template(form, TemplateOptions(year=2024, agency=HOSTILE), template)
    back = fill_with_openpyxl(layout, template, tmp_path / "return.xlsx", BROKEN)
    with real_server(tmp_path / "w") as server:
        page = Page(driver, server, shots)
        page.open(f"/?token={server.token}")
        page.open("/roster/")
        driver.find_element("id", "gk-roster-file").send_keys(str(roster))
        driver.find_element("id", "gk-roster-upload").click()
        page.wait(lambda d: d.find_elements("id", "gk-roster"))
        collect(page, [back])
        for path, css in (
            ("/roster/", "#gk-roster"),
            ("/send_back/", "#gk-send-back"),
            ("/summary/", "#gk-completeness"),
            ("/collect/", "#gk-agencies"),
        ):
            page.open(path)
            rows = page.table(css)
            assert any(HOSTILE in cells for cells in rows), (path, rows)
            assert driver.find_elements("css selector", "main img") == [], path
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert.text  # noqa: B018 (an alert would be open now)
            severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert severe == [], (path, severe)
        page.open("/send_back/")
        (row,) = page.table("#gk-send-back")
        assert row[1] == HOSTILE and tuple(row[2:5]) == CONTACTS[HOSTILE]
        page.shot("hostile-send-back")
