"""The desk's steps other than collecting (issue 15): 名单, 模板, 退回, 汇总, 发布, through
Flask's test client with a signed-in session, on real files: the roster read as ``new
--roster`` reads it, templates written by ``api.new``, returns checked by the collecting
step's ``api.ingest``, the 退回清单's rows, ``api.aggregate`` and ``api.render``. Every name
an agency or a roster can write is shown escaped (``<img src=x onerror=…>`` stays text).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from conftest import balanced, fill_with_openpyxl
from desk_helpers import BASE, ORIGIN, csrf_of, make_app, signed_in
from flask import Flask
from flask.testing import FlaskClient
from test_agency_status import BROKEN, GOOD
from test_previous import LAST_YEAR

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.desk.base import EXTENSION, Desk
from gongkai_xlsx.desk.opener import CONFIG_KEY
from gongkai_xlsx.desk.workfolder import WorkFolder
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.writer import TemplateOptions, write_template

HOSTILE = "<img src=x onerror=alert(1)>"
AGENCIES = ["某县甲局", "某县乙局", HOSTILE]
CONTACTS = {
    name: (f"联系人{i}", f"0971-81000{i:02d}", f"u{i}@example.cn")
    for i, name in enumerate(AGENCIES)
}


def roster_csv(path: Path, names: list[str] = AGENCIES) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["单位名称", "联系人", "联系电话", "邮箱"])
    for name in names:
        writer.writerow([name, *CONTACTS[name]])
    data = buffer.getvalue().encode("gbk")
    path.write_bytes(data)
    return data


def desk_of(app: Flask) -> Desk:
    found: Desk = app.extensions[EXTENSION]
    return found


def post(client: FlaskClient, path: str, data: dict[str, Any], csrf: str, **kw: Any) -> Any:
    return client.post(
        path, data=data, base_url=BASE, headers={**ORIGIN, "X-CSRF-Token": csrf}, **kw
    )


def page(client: FlaskClient, path: str) -> str:
    answer = client.get(path, base_url=BASE)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path / "2024年度", start=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return signed_in(app)


def upload_roster(client: FlaskClient, data: bytes, name: str = "名单.csv") -> Any:
    csrf = csrf_of(client, "/roster/")
    return post(
        client,
        "/roster/upload",
        {"roster": (io.BytesIO(data), name)},
        csrf,
        content_type="multipart/form-data",
    )


# ------------------------------------------------------------------ 1 名单
def test_the_roster_is_uploaded_and_shown_with_contacts_escaped(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    assert "还没有名单" in page(client, "/roster/")
    answer = upload_roster(client, roster_csv(tmp_path / "r.csv"))
    assert answer.status_code == 303
    shown = page(client, "/roster/")
    assert "已保存名单 名单/名单.csv：共 3 个单位。" in shown
    rows = re.findall(
        r"<tr><td class=\"gk-count\">(\d+)</td><td class=\"gk-name\">(.*?)</td>"
        r"<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
        shown,
    )
    assert rows == [
        (str(i + 2), escape(n, quote=True), *CONTACTS[n]) for i, n in enumerate(AGENCIES)
    ]
    assert HOSTILE not in shown and "<img" not in shown
    assert desk_of(app).folder.roster() == desk_of(app).folder.root / "名单" / "名单.csv"


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("名单.pdf", b"%PDF-1.4", "名单.pdf：名单应是 Excel 工作簿（.xlsx）或 CSV 文件（.csv）"),
        ("名单.csv", b"\xff\xfe\x00\xd8bad", "名单.csv："),
        ("名单.xlsx", b"PK\x03\x04 not a workbook", "名单.xlsx："),
        ("名单.csv", b"a" * ((32 << 20) + 10), "名单.csv：名单文件过大（超过 32 MB）"),
    ],
)
def test_a_roster_that_cannot_be_read_is_answered_in_chinese_and_not_kept(
    client: FlaskClient, app: Flask, name: str, data: bytes, said: str
) -> None:
    answer = upload_roster(client, data, name)
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert said in text and "gk-error" in text
    assert "gk-roster-" not in text.replace("gk-roster-file", "").replace("gk-roster-upload", "")
    assert desk_of(app).folder.roster() is None
    assert not (desk_of(app).folder.root / "名单").exists()


# ------------------------------------------------------------------ 2 模板
def test_templates_are_made_per_roster_agency_and_downloaded(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    upload_roster(client, roster_csv(tmp_path / "r.csv"))
    csrf = csrf_of(client, "/templates/")
    assert post(client, "/templates/make", {"year": "2024"}, csrf).status_code == 303
    assert desk_of(app).jobs.wait(120)
    shown = page(client, "/templates/")
    assert "已生成 3 份 2024 年度填报模板。" in shown
    made = sorted(p.name for p in desk_of(app).folder.templates.iterdir())
    assert len(made) == 3 and not any("<" in n or ">" in n for n in made)  # made safe
    for name in made:
        assert escape(name) in shown
        one = client.get(f"/files/模板/{name}", base_url=BASE)
        assert one.status_code == 200
        assert one.data == (desk_of(app).folder.templates / name).read_bytes()
        agency = read_return(desk_of(app).folder.templates / name).properties
        assert agency  # a template the reader reads back
    assert HOSTILE not in shown and "<img" not in shown
    answer = client.get("/templates/all.zip", base_url=BASE)
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert "filename*=UTF-8''2024" in answer.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.data)) as z:
        assert sorted(z.namelist()) == made
        for name in made:
            assert z.read(name) == (desk_of(app).folder.templates / name).read_bytes()
    # again: the templates there are kept, not overwritten, and the page says so
    post(client, "/templates/make", {"year": "2024"}, csrf)
    assert desk_of(app).jobs.wait(120)
    assert "另有 3 份模板已存在，未覆盖" in page(client, "/templates/")


def test_templates_without_a_roster_or_with_a_bad_year_are_not_made(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    csrf = csrf_of(client, "/templates/")
    post(client, "/templates/make", {"year": "2024"}, csrf)
    assert "还没有名单：请先在第 1 步上传名单" in page(client, "/templates/")
    upload_roster(client, roster_csv(tmp_path / "r.csv"))
    post(client, "/templates/make", {"year": "24"}, csrf)
    assert "年度“24”无效" in page(client, "/templates/")
    assert not desk_of(app).jobs.busy() and list(desk_of(app).folder.templates.iterdir()) == []


def test_last_years_results_are_found_inside_or_beside_the_work_folder(tmp_path: Path) -> None:
    this = tmp_path / "2024年度"
    this.mkdir()
    assert WorkFolder(this).previous_results(2024) is None
    beside = tmp_path / "2023年度" / "结果"
    beside.mkdir(parents=True)
    assert WorkFolder(this).previous_results(2024) is None  # no report.json: not an ingest's output
    (beside / "report.json").write_text("{}", "utf-8")
    assert WorkFolder(this).previous_results(2024) == beside
    (this / "上年结果").mkdir()
    assert WorkFolder(this).previous_results(2024) == this / "上年结果"


# ------------------------------------------------------------------ returns for the rest
def returns(
    form: Form,
    layout: Layout,
    folder: Path,
    values: tuple[dict[str, Any], ...] = (GOOD, BROKEN, GOOD),
) -> list[Path]:
    """By default 甲 clean, 乙 with a B1 error, the hostile-named agency clean."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for agency, typed in zip(AGENCIES, values, strict=True):
        template = folder / f"t_{len(made)}.xlsx"
        write_template(form, TemplateOptions(year=2024, agency=agency), template)
        made.append(
            fill_with_openpyxl(layout, template, folder / f"return_{len(made)}.xlsx", typed)
        )
    return made


def collect(client: FlaskClient, app: Flask, files: list[Path]) -> None:
    csrf = csrf_of(client, "/collect/")
    answer = client.post(
        "/collect/upload",
        data={"files": [(io.BytesIO(p.read_bytes()), p.name) for p in files]},
        base_url=BASE,
        headers={**ORIGIN, "X-CSRF-Token": csrf, "X-Requested-With": "gongkai-desk"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, answer.data
    assert desk_of(app).jobs.wait(180)
    assert desk_of(app).report is not None


@pytest.fixture
def checked(
    client: FlaskClient, app: Flask, form: Form, layout: Layout, tmp_path: Path
) -> FlaskClient:
    upload_roster(client, roster_csv(tmp_path / "r.csv"))
    collect(client, app, returns(form, layout, tmp_path / "clerk"))
    return client


# ------------------------------------------------------------------ 4 退回
def test_the_send_back_list_with_contacts_and_each_marked_copy(
    checked: FlaskClient, app: Flask
) -> None:
    client = checked
    shown = page(client, "/send_back/")
    rows = re.findall(r'<tr data-agency="(.*?)">(.*?)</tr>', shown, re.S)
    assert [a for a, _ in rows] == ["某县乙局"]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1], re.S)
    assert cells[1:7] == ["某县乙局", *CONTACTS["某县乙局"], "有错误", cells[6]]
    assert int(cells[6]) >= 1 and cells[9] == "名单"
    (link,) = re.findall(r'<a class="gk-copy" href="([^"]+)">(.*?)</a>', shown)
    assert re.fullmatch(r"某县乙局_退回修改_\d{8}\.xlsx", link[1])
    copy = client.get(link[0], base_url=BASE)
    assert copy.status_code == 200
    assert copy.data == (desk_of(app).folder.send_back / link[1]).read_bytes()
    listing = client.get("/files/退回/退回清单.xlsx", base_url=BASE)
    assert listing.status_code == 200 and listing.data[:2] == b"PK"


def test_the_open_button_asks_the_opener_for_the_send_back_folder(
    checked: FlaskClient, app: Flask
) -> None:
    asked: list[Path] = []
    app.config[CONFIG_KEY] = asked.append
    csrf = csrf_of(checked, "/send_back/")
    # without the CSRF token, or from another origin: refused, nothing opened
    no_token = checked.post("/send_back/open", base_url=BASE, headers=ORIGIN)
    assert no_token.status_code == 403
    other = checked.post(
        "/send_back/open",
        base_url=BASE,
        headers={"Origin": "http://127.0.0.1:9999", "X-CSRF-Token": csrf},
    )
    assert other.status_code == 403 and asked == []
    assert checked.get("/send_back/open", base_url=BASE).status_code == 405
    assert post(checked, "/send_back/open", {}, csrf).status_code == 303
    assert asked == [desk_of(app).folder.send_back]
    assert "已在文件管理器中打开“退回”文件夹" in page(checked, "/send_back/")

    def broken(folder: Path) -> None:
        raise FileNotFoundError(2, "No such file", "xdg-open")

    app.config[CONFIG_KEY] = broken
    post(checked, "/send_back/open", {}, csrf)
    shown = page(checked, "/send_back/")
    assert "无法打开文件夹" in shown and "请在文件管理器中自己打开" in shown


# ------------------------------------------------------------------ 5 汇总
def test_the_completeness_then_the_summary_workbook(checked: FlaskClient, app: Flask) -> None:
    client = checked
    report = desk_of(app).report
    assert report is not None and report.completeness is not None
    shown = page(client, "/summary/")
    line = re.search(
        r'id="gk-summary-line">名单 <span class="gk-name">(.*?)</span>：(.*?)</p>', shown
    )
    assert line and line[2] == report.completeness.lines[0] + "。"
    table = re.findall(
        r'<tr data-status="(\w+)"><td class="gk-name">(.*?)</td><td class="gk-a-\w+">(.*?)</td>',
        shown,
    )
    assert table == [(a.status, escape(a.name, quote=True), a.label) for a in report.agencies]
    assert [label for *_, label in table] == ["通过", "有错误（待退回）", "通过"]
    assert HOSTILE not in shown
    csrf = csrf_of(client, "/summary/")
    post(client, "/summary/make", {"name": "某县"}, csrf)
    assert desk_of(app).jobs.wait(120)
    shown = page(client, "/summary/")
    link = re.search(r'id="gk-summary-download" href="([^"]+)">(.*?)</a>', shown)
    assert link and link[2] == "汇总/某县_2024年度_汇总.xlsx"
    assert "注意：汇总不完整——1 个单位的报表有错误待修改，均未计入。" in shown
    assert "ingest" not in shown and "--force" not in shown and "请再点“生成汇总表”" in shown
    workbook = client.get(link[1], base_url=BASE)
    assert workbook.status_code == 200
    back = read_return(desk_of(app).folder.summaries / "某县_2024年度_汇总.xlsx")
    assert back.completeness is not None
    labels = {a.status: a.label for a in report.agencies}
    assert [(a["name"], labels[a["status"]]) for a in back.completeness["agencies"]] == [
        (a.name, a.label) for a in report.agencies
    ]


def test_a_summary_needs_a_name(checked: FlaskClient, app: Flask) -> None:
    csrf = csrf_of(checked, "/summary/")
    post(checked, "/summary/make", {"name": "  "}, csrf)
    assert "请填写汇总的名称" in page(checked, "/summary/")
    assert list(desk_of(app).folder.summaries.iterdir()) == []


# ------------------------------------------------------------------ 6 发布
def test_a_word_report_with_its_text_and_the_html_tables(checked: FlaskClient, app: Flask) -> None:
    from docx import Document

    client = checked
    shown = page(client, "/publish/")
    options = re.findall(r'<option value="([^"]+)"[^>]*>(.*?)</option>', shown)
    assert [name for _, name in options] == sorted(
        escape(a, quote=True) for a in ("某县甲局", HOSTILE)
    )
    assert HOSTILE not in shown
    document = dict((n, v) for v, n in options)["某县甲局"]
    text = "一、总体情况\n本局认真贯彻落实政务公开工作要求。\n".encode("gbk")
    csrf = csrf_of(client, "/publish/")
    answer = post(
        client,
        "/publish/render",
        {"document": document, "to": "docx", "text": (io.BytesIO(text), "正文.txt")},
        csrf,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    shown = page(client, "/publish/")
    stem = Path(document).stem
    assert f"已生成“某县甲局”的Word 报告：发布/{stem}.docx" in shown
    made = desk_of(app).folder.root / "发布" / f"{stem}.docx"
    paragraphs = [p.text for p in Document(str(made)).paragraphs]
    assert "本局认真贯彻落实政务公开工作要求。" in paragraphs
    assert (desk_of(app).folder.root / "发布" / "正文" / "正文.txt").read_bytes() == text
    post(client, "/publish/render", {"document": document, "to": "html"}, csrf)
    html = (desk_of(app).folder.root / "发布" / f"{stem}.html").read_text("utf-8")
    assert "<table" in html
    shown = page(client, "/publish/")
    for suffix in ("docx", "html"):
        hrefs = [
            h
            for h in re.findall(r'href="([^"]+)"', shown)
            if unquote(h).endswith(f"{stem}.{suffix}")
        ]
        (link,) = hrefs
        assert client.get(link, base_url=BASE).status_code == 200
    # a document that is not one of the check's outputs is refused
    post(client, "/publish/render", {"document": "../名单/名单.csv", "to": "html"}, csrf)
    assert "请先选择要发布的单位" in page(client, "/publish/")


# ------------------------------------------------------------------ the pages' own forms
@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, True),  # Chromium's own form
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, False),  # a sandboxed frame
        ({"Origin": "null", "Sec-Fetch-Site": "same-site"}, False),  # another port
        ({"Origin": "null"}, False),
    ],
)
def test_a_form_of_the_page_posts_with_origin_null_under_no_referrer(
    client: FlaskClient, app: Flask, headers: dict[str, str], allowed: bool
) -> None:
    """The desk answers with Referrer-Policy: no-referrer, under which Chromium sends a
    page's own form POST with ``Origin: null``: Sec-Fetch-Site (which no page can set)
    then decides, so the roster form works in the browser and a foreign page still fails."""
    asked: list[Path] = []
    app.config[CONFIG_KEY] = asked.append
    csrf = csrf_of(client, "/send_back/")
    answer = client.post(
        "/send_back/open", base_url=BASE, headers=headers, data={"csrf_token": csrf}
    )
    assert (answer.status_code, len(asked)) == ((303, 1) if allowed else (403, 0))


def test_a_hostile_agency_name_to_send_back_is_shown_as_text(
    client: FlaskClient, app: Flask, form: Form, layout: Layout, tmp_path: Path
) -> None:
    """An agency named ``<img src=x onerror=alert(1)>`` whose return goes back: its row,
    its marked copy's link and its status on the 退回 and 汇总 pages are text."""
    upload_roster(client, roster_csv(tmp_path / "r.csv"))
    collect(client, app, returns(form, layout, tmp_path / "clerk", (GOOD, GOOD, BROKEN)))
    for path in ("/send_back/", "/summary/", "/collect/"):
        shown = page(client, path)
        assert HOSTILE not in shown and "<img" not in shown, path
        assert escape(HOSTILE, quote=True) in shown, path
    shown = page(client, "/send_back/")
    (row,) = re.findall(r'<tr data-agency="(.*?)">(.*?)</tr>', shown, re.S)
    assert row[0] == escape(HOSTILE, quote=True)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    assert cells[1] == escape(HOSTILE, quote=True) and cells[2:5] == list(CONTACTS[HOSTILE])
    (link,) = re.findall(r'<a class="gk-copy" href="([^"]+)">(.*?)</a>', shown)
    assert "<" not in unquote(link[0]) and checked_copy(client, link[0])


def checked_copy(client: FlaskClient, href: str) -> bool:
    answer = client.get(href, base_url=BASE)
    return answer.status_code == 200 and answer.data[:2] == b"PK"


def test_templates_are_prefilled_from_last_years_results(
    client: FlaskClient, app: Flask, form: Form, layout: Layout, tmp_path: Path
) -> None:
    """Last year's ``ingest`` output copied in as 上年结果/: the agencies it has a
    document of get 二、上年结转 prefilled, the page says which did not."""
    from gongkai_xlsx import api
    from gongkai_xlsx.definition.load import form_for_year

    last = tmp_path / "last"
    last.mkdir()
    template = last / "t.xlsx"
    write_template(form_for_year(2023), TemplateOptions(year=2023, agency="某县甲局"), template)
    fill_with_openpyxl(layout, template, last / "甲局2023.xlsx", balanced(form, LAST_YEAR))
    done = api.ingest(
        api.IngestOptions(paths=[last / "甲局2023.xlsx"], out=tmp_path / "w" / "结果")
    )
    assert done.exit_code == 0
    previous = desk_of(app).folder.root / "上年结果"
    (tmp_path / "w" / "结果").rename(previous)
    upload_roster(client, roster_csv(tmp_path / "r.csv"))
    shown = page(client, "/templates/")
    assert "已找到上年的结果" in shown and escape(str(previous)) in shown
    csrf = csrf_of(client, "/templates/")
    post(client, "/templates/make", {"year": "2024"}, csrf)
    assert desk_of(app).jobs.wait(120)
    shown = page(client, "/templates/")
    assert "其中 1 份已按上年报表预填上年结转数" in shown
    assert "上年的结果中没有报表、未预填的单位 2 个：某县乙局、" in shown
    import openpyxl

    made = desk_of(app).folder.templates / "2024年度政府信息公开工作年度报告填报表_某县甲局.xlsx"
    sheet, row, column = layout.cell_positions["b.carried_over.natural_person"]
    assert openpyxl.load_workbook(made)[sheet][to_a1(row, column)].value == 5  # last year's 四
    assert HOSTILE not in shown


def test_an_upload_beside_a_roster_put_in_by_hand_says_which_is_used(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    """名单.csv put at the top of the work folder in Explorer is the roster (the work
    folder's rule): an uploaded one is kept, and the page says the other is still used."""
    root = desk_of(app).folder.root
    roster_csv(root / "名单.csv", AGENCIES[:2])
    assert upload_roster(client, roster_csv(tmp_path / "r.csv")).status_code == 303
    shown = page(client, "/roster/")
    assert "注意：工作文件夹中另有名单 名单.csv，目前使用的仍是它。" in shown
    assert desk_of(app).folder.roster() == root / "名单.csv"
    assert (root / "名单" / "名单.csv").is_file()
    assert '<span id="gk-roster-count">2</span>' in shown


def test_a_text_that_is_not_docx_or_txt_is_refused(checked: FlaskClient, app: Flask) -> None:
    shown = page(checked, "/publish/")
    document = re.findall(r'<option value="([^"]+)"', shown)[0]
    csrf = csrf_of(checked, "/publish/")
    post(
        checked,
        "/publish/render",
        {"document": document, "to": "docx", "text": (io.BytesIO(b"\xd0\xcf\x11\xe0"), "正文.doc")},
        csrf,
        content_type="multipart/form-data",
    )
    assert "正文.doc：正文应是 Word 文档（.docx）或文本文件（.txt）" in page(checked, "/publish/")
    assert not (desk_of(app).folder.root / "发布").exists()


def test_every_step_page_is_strict_and_inline_free_with_data(checked: FlaskClient) -> None:
    """The steps' pages with a roster, a check and a summary in them: the desk's CSP, no
    inline script or style, every script and style sheet one of the desk's own files."""
    from test_desk_security import _Inline

    from gongkai_xlsx.desk.security import CSP

    csrf = csrf_of(checked, "/summary/")
    post(checked, "/summary/make", {"name": "某县"}, csrf)
    for path in ("/roster/", "/templates/", "/send_back/", "/summary/", "/publish/"):
        answer = checked.get(path, base_url=BASE)
        assert answer.status_code == 200 and answer.headers["Content-Security-Policy"] == CSP
        text = answer.get_data(as_text=True)
        parser = _Inline()
        parser.feed(text)
        assert parser.blocked == [], path
        for src in [*parser.scripts, *re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)]:
            with checked.get(src, base_url=BASE) as static:
                assert static.status_code == 200, src
        assert "<script>" not in text and "<style" not in text


def test_while_the_queue_is_busy_the_pages_say_so_and_refresh(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    """Templates and summaries wait behind a running check: their pages show the job
    (queued, then its count) and reload themselves (a meta refresh: no script needed)."""
    import threading

    upload_roster(client, roster_csv(tmp_path / "r.csv"))
    release = threading.Event()
    desk_of(app).jobs.submit("check", "检查报表", lambda job: release.wait(60))
    try:
        csrf = csrf_of(client, "/templates/")
        post(client, "/templates/make", {"year": "2024"}, csrf)
        shown = page(client, "/templates/")
        assert '<meta http-equiv="refresh" content="2">' in shown
        assert "正在生成模板：0/…" in shown and 'id="gk-make-templates" disabled' in shown
        post(client, "/summary/make", {"name": "某县"}, csrf)
        shown = page(client, "/summary/")
        assert '<meta http-equiv="refresh" content="2">' in shown
        assert "正在生成汇总表…" in shown
    finally:
        release.set()
    assert desk_of(app).jobs.wait(120)
    shown = page(client, "/templates/")
    assert "refresh" not in shown and "已生成 3 份 2024 年度填报模板。" in shown


def test_no_summary_before_any_check(client: FlaskClient, app: Flask) -> None:
    csrf = csrf_of(client, "/summary/")
    post(client, "/summary/make", {"name": "某县"}, csrf)
    assert "还没有检查过报表，没有可汇总的内容" in page(client, "/summary/")
    assert not desk_of(app).jobs.busy() and list(desk_of(app).folder.summaries.iterdir()) == []


def test_the_send_back_page_says_a_new_check_is_running(checked: FlaskClient, app: Flask) -> None:
    import threading

    from gongkai_xlsx import api
    from gongkai_xlsx.desk.collect import ingest_options

    release = threading.Event()

    def slow_check(job: Any) -> api.Ingested:  # a check that takes its time
        release.wait(60)
        return api.ingest(ingest_options(desk_of(app).folder, 2024))

    desk_of(app).jobs.submit("check", "检查报表", slow_check)
    try:
        shown = page(checked, "/send_back/")
        assert 'id="gk-send-back-checking"' in shown
        assert '<meta http-equiv="refresh" content="2">' in shown
        assert "某县乙局" in shown  # the last check's list meanwhile
    finally:
        release.set()
    assert desk_of(app).jobs.wait(60)
    shown = page(checked, "/send_back/")
    assert "gk-send-back-checking" not in shown and "refresh" not in shown


def test_the_send_back_page_says_why_the_last_check_failed(client: FlaskClient, app: Flask) -> None:
    from gongkai_xlsx.errors import UsageError

    def failing(job: Any) -> None:
        raise UsageError("报表：无法读取（测试）。")

    desk_of(app).jobs.submit("check", "检查报表", failing)
    assert desk_of(app).jobs.wait(30)
    assert "上一次检查没有完成：报表：无法读取（测试）。" in page(client, "/send_back/")
