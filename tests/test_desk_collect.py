"""收集报表 on the desk (issue 15, step 3): real returns uploaded through the page are kept as
arrivals, checked by the library's one ingest, and the status table shows every roster
agency's one status and the counts exactly as report.json (and so the terminal) does.

The county is the one of tests/test_agency_status.py: a clean return, one with a hint, one
with an error, an unnamed return, an old .xls and a PDF named after agencies, one agency
off the roster, the rest silent; plus an agency whose name, and a cell of whose return,
is markup (``<img src=x onerror=…>``), which must reach the page as text only.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import threading
import time
import zipfile
from html import unescape
from pathlib import Path

import chromium
import pytest
from chromium import full_page_screenshot
from conftest import fill_with_openpyxl
from desk_helpers import (
    BASE,
    ORIGIN,
    csrf_of,
    make_app,
    multipart,
    real_server,
    signed_in,
    upload,
)
from flask.testing import FlaskClient
from test_report_page import _require_chromium

from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.desk.collect import queue_check
from gongkai_xlsx.desk.jobs import JobQueue
from gongkai_xlsx.writer import TemplateOptions, write_template

XSS_AGENCY = "某县<img src=x onerror=alert(1)>局"
XSS_CELL = "<img src=x onerror=alert(2)>"
ROSTER = [f"某县{c}局" for c in "甲乙丙丁戊己庚辛壬癸子"] + [XSS_AGENCY]
GOOD = {"a.licensing.decisions": 3}
HINT = {"a.licensing.decisions": "3"}  # a number typed as text: read, with a hint
BROKEN = {"b.received.natural_person": 5, "b.disclosed.natural_person": 2}  # B1 fails
EXPECTED = {
    "某县甲局": "通过",
    "某县乙局": "有提示",
    "某县丙局": "有错误（待退回）",
    "某县丁局": "已收到但无法读取",
    "某县戊局": "已收到但无法读取",
    "某县己局": "有错误（待退回）",  # its cover names no agency; its file name does
    **{name: "未报送" for name in ROSTER[6:11]},
    XSS_AGENCY: "有错误（待退回）",  # a cell of markup where a number belongs
}
COUNTS = (
    "已收到 7/12 个单位（其中待修改 3 个、无法读取 2 个）；未报送 5 个；"
    "另有不在名单中的单位 1 个（另计）"
)


@pytest.fixture
def county(tmp_path: Path, form: Form, layout: Layout) -> tuple[list[Path], Path, Path]:
    """(the first round's files, a fixed return of 丙局, the roster)."""
    made = tmp_path / "templates"
    made.mkdir()
    sent = tmp_path / "sent"
    sent.mkdir()

    def template(agency: str) -> Path:
        path = made / f"{len(list(made.iterdir()))}.xlsx"
        write_template(form, TemplateOptions(year=2024, agency=agency or None), path)
        return path

    files = []
    for name, agency, values in [
        ("甲局.xlsx", "某县甲局", GOOD),
        ("乙局.xlsx", "某县乙局", HINT),
        ("丙局.xlsx", "某县丙局", BROKEN),
        ("某县己局2024年报.xlsx", "", GOOD),
        ("科协.xlsx", "某县科协", GOOD),
        ("<b>局.xlsx", XSS_AGENCY, {"a.licensing.decisions": XSS_CELL}),
    ]:
        files.append(fill_with_openpyxl(layout, template(agency), sent / name, values))
    xls = sent / "某县丁局报表.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    pdf = sent / "某县戊局年报（扫描件）.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    files += [xls, pdf]
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    fixed_return = fill_with_openpyxl(layout, template("某县丙局"), fixed / "丙局.xlsx", GOOD)
    roster = tmp_path / "名单.csv"
    with roster.open("w", encoding="gbk", errors="strict", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位名称", "联系人", "联系电话"])
        for index, name in enumerate(ROSTER):
            writer.writerow([name, f"联系人{index}", f"0971-55500{index:02d}"])
    return files, fixed_return, roster


def _upload(client: FlaskClient, paths: list[Path]) -> dict[str, object]:
    answer = upload(client, [(p.name, p.read_bytes()) for p in paths])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return dict(answer.get_json())


def _cells(row: str) -> list[str]:
    """A table row's cells as text: tags dropped, entities read, spaces squashed."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in found]


def page_statuses(page: str) -> dict[str, str]:
    """The agencies table of the page: {agency: status}."""
    table = re.search(r'<table class="gk-plain" id="gk-agencies">(.*?)</table>', page, re.S)
    assert table, page[-3000:]
    rows = re.findall(r"<tr data-status[^>]*>(.*?)</tr>", table[1], re.S)
    return {cells[1]: cells[2] for cells in map(_cells, rows)}


def report_statuses(folder: Path) -> tuple[dict[str, str], dict[str, object]]:
    report = json.loads((folder / "结果" / "report.json").read_text(encoding="utf-8"))
    labels = report["agency_status_labels"]
    return {a["name"]: labels[a["status"]] for a in report["roster"]["agencies"]}, report


def test_uploaded_returns_are_checked_and_every_status_is_report_jsons(
    tmp_path: Path, county: tuple[list[Path], Path, Path]
) -> None:
    files, fixed, roster = county
    folder = tmp_path / "2025年报"
    app = make_app(folder)
    shutil.copy(roster, folder / "名单.csv")
    client = signed_in(app)
    desk = app.extensions["gongkai_desk"]

    answer = _upload(client, files)
    assert len(answer["saved"]) == len(files) and answer["refused"] == []  # type: ignore[arg-type]
    assert desk.jobs.wait(300)
    [day] = (folder / "报表").iterdir()
    assert sorted(p.name for p in day.iterdir()) == sorted(
        [
            *("甲局.xlsx", "乙局.xlsx", "丙局.xlsx", "某县己局2024年报.xlsx", "科协.xlsx"),
            *("_b_局.xlsx", "某县丁局报表.xls", "某县戊局年报（扫描件）.pdf"),
        ]
    )

    page = client.get("/collect/", base_url=BASE).get_data(as_text=True)
    statuses, report = report_statuses(folder)
    assert page_statuses(page) == statuses == EXPECTED
    assert f"：{COUNTS}。</p>" in page
    roster_json = report["roster"]
    assert (roster_json["expected"], roster_json["submitted"]) == (12, 7)  # type: ignore[index]
    # the tally: the report's own counts under its own labels
    summary = report["summary"]
    for status, label in report["status_labels"].items():  # type: ignore[attr-defined]
        count = summary[f"returns_{status}"]  # type: ignore[index]
        assert f'data-status="{status}">{label}<strong>{count}</strong>份' in page

    # markup from an agency: text on the page, never an element
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page  # the cell's text, in a finding

    # the table's JSON: the fragment when the page's version is old, not when current
    data = client.get("/collect/status.json?v=0", base_url=BASE).get_json()
    assert data["version"] == 1 and "<img" not in data["html"]
    assert page_statuses(data["html"]) == EXPECTED
    assert "html" not in client.get("/collect/status.json?v=1", base_url=BASE).get_json()

    # round two: 丙局 sends its fixed return; the first stays, as an older version
    _upload(client, [fixed])
    assert desk.jobs.wait(300)
    assert sorted(p.name for p in day.iterdir() if p.name.startswith("丙局")) == [
        "丙局.xlsx",
        "丙局（2）.xlsx",
    ]
    page = client.get("/collect/", base_url=BASE).get_data(as_text=True)
    statuses, report = report_statuses(folder)
    assert page_statuses(page) == statuses == {**EXPECTED, "某县丙局": "通过"}
    assert "已被新版本取代：以" in page
    superseded = [r for r in report["returns"] if r["status"] == "superseded"]  # type: ignore[attr-defined]
    assert [r["file"] for r in superseded] == [f"{day.name}/丙局.xlsx"]


def test_an_archive_is_answered_and_never_saved(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    app = make_app(folder)
    client = signed_in(app)
    answer = _upload_named(client, [("某县庚局报表.zip", b"PK\x05\x06" + bytes(18))])
    assert answer["saved"] == [] and answer["job"] is None
    [message] = answer["refused"]  # type: ignore[misc]
    assert message.startswith("某县庚局报表.zip：这是压缩包，本页不解压")
    assert not any(p.is_file() for p in (folder / "报表").rglob("*"))


def test_without_a_script_the_form_uploads_and_the_page_says_so(tmp_path: Path) -> None:
    """The plain form (no JavaScript): the CSRF token in its hidden field, the answer on
    the page it redirects to, shown once."""
    folder = tmp_path / "w"
    app = make_app(folder)
    client = signed_in(app)
    csrf = csrf_of(client)
    body, kind = multipart({"csrf_token": csrf}, [("甲局.xlsx", b"x"), ("乙局.rar", b"Rar!")])
    answer = client.post(
        "/collect/upload", base_url=BASE, data=body, content_type=kind, headers=ORIGIN
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/collect/"
    page = client.get("/collect/", base_url=BASE).get_data(as_text=True)
    assert '<p class="gk-notice">已保存 1 个文件，正在检查。</p>' in page
    assert "乙局.rar：这是压缩包，本页不解压，也没有保存。" in page
    again = client.get("/collect/", base_url=BASE).get_data(as_text=True)
    assert "gk-notice" not in again  # shown once
    assert app.extensions["gongkai_desk"].jobs.wait(120)


def _upload_named(client: FlaskClient, files: list[tuple[str, bytes]]) -> dict[str, object]:
    answer = upload(client, files)
    assert answer.status_code == 200
    return dict(answer.get_json())


def test_drops_during_a_running_check_are_queued_not_refused(
    tmp_path: Path, county: tuple[list[Path], Path, Path]
) -> None:
    files, _fixed, _roster = county
    folder = tmp_path / "w"
    jobs = JobQueue()
    app = make_app(folder, jobs=jobs)
    client = signed_in(app)
    release = threading.Event()
    jobs.submit("check", "检查报表", lambda job: release.wait(60))  # a long check runs
    while jobs.snapshot()["running"] is None:
        time.sleep(0.01)
    first = _upload(client, files[:2])
    second = _upload(client, files[2:4])
    assert first["job"]["id"] == second["job"]["id"]  # type: ignore[index]  # one waiting check
    snapshot = jobs.snapshot()
    assert snapshot["running"]["title"] == "检查报表"
    assert [j["state"] for j in snapshot["waiting"]] == ["queued"]
    status = client.get("/collect/status.json", base_url=BASE).get_json()
    assert status["jobs"]["waiting"][0]["kind"] == "check"
    release.set()
    assert jobs.wait(300)
    report = app.extensions["gongkai_desk"].report
    assert sorted(r.file.split("/")[-1] for r in report.returns) == sorted(
        p.name for p in files[:4]
    )
    page = client.get("/collect/", base_url=BASE).get_data(as_text=True)  # no roster
    assert "<h2>收到的报表（4 份）</h2>" in page and 'id="gk-agencies"' not in page


def test_a_failed_check_says_why_in_chinese(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    (tmp_path / "w").mkdir()
    (folder / "名单.csv").write_bytes(b"\xff\xfe\x00bad")  # a roster that cannot be read
    app = make_app(folder)
    client = signed_in(app)
    _upload_named(client, [("甲局.xlsx", b"not a workbook")])
    assert app.extensions["gongkai_desk"].jobs.wait(120)
    data = client.get("/collect/status.json", base_url=BASE).get_json()
    assert (
        data["failed"]
        == f"{folder / '名单.csv'}：无法识别文件编码，请另存为“CSV UTF-8（逗号分隔）”或 xlsx 后重试。"
    )
    assert data["jobs"]["finished"][-1]["state"] == "failed"


def _cut_short(workbook: bytes) -> bytes:
    """``workbook`` with its workbook part cut short (not well-formed XML), as a file
    damaged in transit: nothing of its sheets can be read, while the package still holds
    the template's custom properties (the agency it was made for)."""
    source, damaged = io.BytesIO(workbook), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data[: len(data) // 2]
            zout.writestr(info, data)
    return damaged.getvalue()


def test_a_file_not_read_shows_the_agency_its_package_names(
    tmp_path: Path, form: Form, layout: Layout
) -> None:
    """A return that cannot be read, named after no agency, whose package still says
    which agency's template it is: its row names that agency, as report.json's
    ``received`` and the 退回 list do, not "-"."""
    template = tmp_path / "模板.xlsx"
    write_template(form, TemplateOptions(year=2024, agency="某县辛局"), template)
    filled = fill_with_openpyxl(layout, template, tmp_path / "填好.xlsx", GOOD)
    folder = tmp_path / "w"
    app = make_app(folder)
    client = signed_in(app)
    _upload_named(
        client, [("填报表.xlsx", _cut_short(filled.read_bytes())), ("另一份.xlsx", b"not a zip")]
    )
    assert app.extensions["gongkai_desk"].jobs.wait(300)
    report = json.loads((folder / "结果" / "report.json").read_text(encoding="utf-8"))
    received = {r["file"].split("/")[-1]: r["agency"] for r in report["received"]}
    assert received == {"填报表.xlsx": "某县辛局", "另一份.xlsx": None}
    page = client.get("/collect/", base_url=BASE).get_data(as_text=True)
    # each row of 收到的报表: its agency, file and status cells (its findings follow)
    rows = re.findall(
        r'<tr class="gk-s-[^"]*" data-status="[^"]*">\s*<td class="gk-name">(.*?)</td>\s*'
        r'<td class="gk-name">(.*?)</td>\s*<td>(.*?)</td>',
        page,
        re.S,
    )
    assert len(rows) == 2, page[-3000:]
    shown = {
        _cells(f"<td>{file}</td>")[0].split("/")[-1]: (
            _cells(f"<td>{agency}</td>")[0],
            _cells(f"<td>{status}</td>")[0],
        )
        for agency, file, status in rows
    }
    assert shown == {
        "填报表.xlsx": ("某县辛局", "无法读取"),
        "另一份.xlsx": ("-", "无法读取"),  # nothing names its agency
    }


# ------------------------------------------------------------------ in a real browser
@pytest.mark.chromium
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
def test_the_collecting_page_in_chromium(
    tmp_path: Path, county: tuple[list[Path], Path, Path]
) -> None:
    """Files picked with the file input (Selenium cannot drag from the desktop), the table
    updated by the page's own script, every status the report's; markup from an agency
    never an element, no script run, nothing the CSP blocks."""
    _require_chromium()
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    files, fixed, roster = county
    folder = tmp_path / "2025年报"
    folder.mkdir()
    shutil.copy(roster, folder / "名单.csv")
    shots = Path(os.environ.get("GONGKAI_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with real_server(folder) as server, chromium.browser(1280, 1000) as driver:
        driver.get(f"http://127.0.0.1:{server.port}/collect/?token={server.token}")
        assert driver.current_url == f"http://127.0.0.1:{server.port}/collect/"  # token gone
        assert driver.find_element(By.ID, "gk-nothing").text == "还没有检查过任何报表。"
        driver.save_screenshot(str(shots / "desk-collect-empty.png"))

        def table_shows(version: int) -> bool:
            """A table of ``version`` or later in, nothing uploading, running or waiting
            (all read at once)."""
            return bool(
                driver.execute_script(
                    "var s = document.getElementById('gk-status'),"
                    " p = document.getElementById('gk-progress');"
                    "return +s.getAttribute('data-version') >= arguments[0]"
                    " && !/^(正在|排队)/.test(p.textContent);",
                    version,
                )
            )

        def version() -> int:
            return int(driver.find_element(By.ID, "gk-status").get_attribute("data-version"))

        # as if the server took 3 files a request: the page sends the drop in batches
        driver.execute_script(
            "document.getElementById('gk-upload').setAttribute('data-max-files', '3')"
        )
        driver.find_element(By.ID, "gk-files").send_keys("\n".join(str(p) for p in files))
        WebDriverWait(driver, 300, 0.2).until(
            lambda d: (
                len(d.find_elements(By.CSS_SELECTOR, "#gk-answers li")) == 3 and table_shows(1)
            )
        )
        answers = driver.find_element(By.ID, "gk-answers").text.splitlines()
        assert [a.split("：")[0] for a in answers] == [
            "已收到 3 个文件",
            "已收到 3 个文件",
            "已收到 2 个文件",
        ]
        WebDriverWait(driver, 300, 0.2).until(lambda d: table_shows(version()))
        statuses, _report = report_statuses(folder)
        shown = {
            row.find_elements(By.TAG_NAME, "td")[1].text: row.find_elements(By.TAG_NAME, "td")[
                2
            ].text
            for row in driver.find_elements(By.CSS_SELECTOR, "#gk-agencies tbody tr")
        }
        assert shown == statuses == EXPECTED
        assert COUNTS in driver.find_element(By.ID, "gk-roster-line").text
        assert driver.find_elements(By.CSS_SELECTOR, "#gk-status img") == []
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018
        full_page_screenshot(driver, shots / "desk-collect-round1.png")

        before = version()
        driver.find_element(By.ID, "gk-files").send_keys(str(fixed))
        WebDriverWait(driver, 300, 0.2).until(lambda d: table_shows(before + 1))
        row = driver.find_element(By.XPATH, "//table[@id='gk-agencies']//tr[td[2]='某县丙局']")
        assert row.find_elements(By.TAG_NAME, "td")[2].text == "通过"
        full_page_screenshot(driver, shots / "desk-collect-round2.png")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []  # no CSP violation, no script error

        # 退出: the page's own form (no script) stops the server
        driver.find_element(By.CSS_SELECTOR, ".gk-quit button").click()
        WebDriverWait(driver, 30, 0.2).until(
            lambda d: (
                d.execute_script("var h = document.querySelector('h1'); return h && h.textContent;")
                == "工作台已退出"
            )
        )
        assert server.process.wait(30) == 0
        assert not (folder / ".gongkai-xlsx-ui.json").exists()


def test_stopping_the_desk_stops_a_running_check_without_committing(
    tmp_path: Path, county: tuple[list[Path], Path, Path]
) -> None:
    """退出 or a closed terminal during a check: the check stops as ``ingest`` does on
    Ctrl-C (its workers ended, nothing committed), never with a half-made report."""
    files, _fixed, _roster = county
    folder = tmp_path / "w"
    jobs = JobQueue()
    app = make_app(folder, jobs=jobs)
    day = folder / "报表" / "2027-01-20"
    day.mkdir(parents=True)
    for n in range(6):
        for path in files:
            shutil.copy(path, day / f"{n}-{path.name}")
    job = queue_check(app.extensions["gongkai_desk"])
    while job.state == "queued":
        time.sleep(0.01)
    assert jobs.close(wait=120)  # cancelled before its first return came back
    assert job.state == "failed"
    assert job.message == "已中断：输出文件夹保持上次的结果，没有写入任何新结果。"
    assert not (folder / "结果" / "report.json").exists()
    assert multiprocessing.active_children() == []  # every worker ended


@pytest.mark.chromium
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
def test_the_page_says_when_the_desk_has_stopped(tmp_path: Path) -> None:
    """The terminal closed under an open page: the page says so, instead of a table that
    silently stops updating."""
    _require_chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    folder = tmp_path / "w"
    with real_server(folder) as server, chromium.browser(1000, 600) as driver:
        driver.get(f"http://127.0.0.1:{server.port}/collect/?token={server.token}")
        assert driver.find_element(By.ID, "gk-nothing").is_displayed()
        os.killpg(server.process.pid, signal.SIGHUP)
        assert server.process.wait(30) == 0
        WebDriverWait(driver, 30, 0.5).until(
            lambda d: (
                d.execute_script("return document.getElementById('gk-progress').textContent")
                == "工作台已停止。请重新运行 gongkai-xlsx ui（或双击桌面上的图标）。"
            )
        )
