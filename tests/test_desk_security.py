"""The desk as an attacker reaches it (issue 15, part 2): any web page the coordinator opens
can send requests to 127.0.0.1, and any agency can write text into a return.

Each request below is sent the way an attacker would send it: with Flask's test client
(every header under the test's control) and, for the parts that depend on the real server
(the Host header as waitress passes it, the socket bound to 127.0.0.1 only, the token
exchange), with raw ``http.client`` against ``gongkai-xlsx ui`` itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from desk_helpers import (
    BASE,
    ORIGIN,
    PORT,
    TOKEN,
    csrf_of,
    make_app,
    multipart,
    real_server,
    signed_in,
    upload,
)

from gongkai_xlsx.desk.security import CSP
from gongkai_xlsx.ingest.page import IE_NOTICE_TEXT

FOLDER_NAME = "某县2025年报工作文件夹"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / FOLDER_NAME


def _chinese_403(page: str) -> None:
    assert "<h1>无法完成（403）</h1>" in page
    assert FOLDER_NAME not in page  # a refused request learns nothing of the work folder
    assert 'name="gk-csrf" content=""' in page  # and no CSRF token


# ------------------------------------------------------------------ the token and the cookie
def test_without_the_token_every_page_is_refused_in_chinese(folder: Path) -> None:
    client = make_app(folder).test_client()
    for path in ("/", "/collect/", "/collect/status.json", "/files/结果/report.json"):
        answer = client.get(path, base_url=BASE)
        assert answer.status_code == 403, path
    page = client.get("/", base_url=BASE).get_data(as_text=True)
    _chinese_403(page)
    assert "请从 gongkai-xlsx 打开的地址进入工作台" in page
    # a wrong token, a token of another length, an empty one: refused, no cookie
    for wrong in ("x", TOKEN + "x", TOKEN[:-1], "", "%00"):
        answer = client.get(f"/?token={wrong}", base_url=BASE)
        assert answer.status_code == 403, wrong
        assert "Set-Cookie" not in answer.headers
        assert "访问口令不对" in answer.get_data(as_text=True)
    # a made-up session cookie is no session
    client.set_cookie(f"gk_desk_{PORT}", "made-up", domain="127.0.0.1")
    assert client.get("/collect/", base_url=BASE).status_code == 403


def test_the_token_is_exchanged_for_a_strict_httponly_cookie_and_leaves_the_address(
    folder: Path,
) -> None:
    client = make_app(folder).test_client()
    answer = client.get(f"/collect/?token={TOKEN}&x=1", base_url=BASE)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/collect/?x=1"  # the token is gone from the address
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"gk_desk_{PORT}=")  # named for the port: ports share cookies
    assert TOKEN not in cookie  # the session is a new random value, not the token
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    page = client.get("/collect/", base_url=BASE)
    assert page.status_code == 200
    assert TOKEN not in page.get_data(as_text=True)
    # the redirect stays on the desk, whatever the path sent
    answer = client.get(
        f"/?token={TOKEN}", base_url=BASE, environ_overrides={"PATH_INFO": "//evil.example/x"}
    )
    assert answer.headers["Location"] == "/evil.example/x"  # not //evil.example/x
    # a POST carrying the token does not sign in (a form on another site could send it)
    other = make_app(folder, start=False).test_client()
    answer = other.post(f"/quit?token={TOKEN}", base_url=BASE, headers=ORIGIN)
    assert answer.status_code == 403 and "Set-Cookie" not in answer.headers


# ------------------------------------------------------------------ Host (DNS rebinding)
@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        f"evil.example:{PORT}",
        "127.0.0.1",
        f"127.0.0.1:{PORT + 1}",
        f"localhost.evil.example:{PORT}",
        f"127.0.0.1.nip.io:{PORT}",
        f"[::1]:{PORT}",
        f"0.0.0.0:{PORT}",
    ],
)
def test_another_host_is_refused_even_with_a_session(folder: Path, host: str) -> None:
    app = make_app(folder)
    client = signed_in(app)
    answer = client.get("/collect/", base_url=BASE, headers={"Host": host})
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    _chinese_403(page)
    assert "主机名不符" in page


def test_localhost_and_127_0_0_1_with_the_port_are_the_desk(folder: Path) -> None:
    app = make_app(folder)
    for base in (f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}"):
        client = app.test_client()  # a browser keeps cookies per host name
        assert client.get(f"/?token={TOKEN}", base_url=base).status_code == 303
        assert client.get("/collect/", base_url=base).status_code == 200


# ------------------------------------------------------------------ CSRF and Origin
def _quit_calls(app) -> int:  # type: ignore[no-untyped-def]
    return int(app.extensions["gongkai_desk"].quit.calls)


@pytest.mark.parametrize(
    ("headers", "with_csrf"),
    [
        ({"Origin": "http://evil.example"}, True),  # a cross-site form
        ({"Origin": f"http://127.0.0.1:{PORT + 1}"}, True),  # another port: same site!
        ({"Origin": "null"}, True),  # a sandboxed frame, a file:// page
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, True),
        ({"Origin": f"https://127.0.0.1:{PORT}"}, True),
        ({"Sec-Fetch-Site": "same-site"}, True),  # no Origin, and not same-origin
        ({"Sec-Fetch-Site": "cross-site"}, True),
        ({}, True),  # neither: refused
        (ORIGIN, False),  # the desk's own origin, but no CSRF token
    ],
)
def test_a_cross_site_post_changes_nothing(
    folder: Path, headers: dict[str, str], with_csrf: bool
) -> None:
    app = make_app(folder)
    client = signed_in(app)
    csrf = csrf_of(client)
    data = {"csrf_token": csrf} if with_csrf else {}
    answer = client.post("/quit", base_url=BASE, headers=headers, data=data)
    assert answer.status_code == 403
    assert _quit_calls(app) == 0
    body, kind = multipart(data, [("甲局.xlsx", b"PK\x03\x04 not really")])
    answer = client.post(
        "/collect/upload", base_url=BASE, headers=headers, data=body, content_type=kind
    )
    assert answer.status_code == 403
    assert not any(p.is_file() for p in (folder / "报表").rglob("*"))  # nothing saved


def test_a_wrong_or_foreign_csrf_token_is_refused(folder: Path) -> None:
    app = make_app(folder)
    mine, theirs = signed_in(app), signed_in(app)
    their_token = csrf_of(theirs)
    for token in ("", "x", their_token, csrf_of(mine) + "x"):
        answer = mine.post("/quit", base_url=BASE, headers=ORIGIN, data={"csrf_token": token})
        assert answer.status_code == 403, token
        assert "页面已过期" in answer.get_data(as_text=True)
    assert _quit_calls(app) == 0


def test_the_desks_own_post_is_accepted_by_form_field_or_header(folder: Path) -> None:
    app = make_app(folder)
    client = signed_in(app)
    csrf = csrf_of(client)
    answer = client.post("/quit", base_url=BASE, headers=ORIGIN, data={"csrf_token": csrf})
    assert answer.status_code == 200 and "工作台已退出" in answer.get_data(as_text=True)
    answer = client.post(
        "/quit", base_url=BASE, headers={"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": csrf}
    )
    assert answer.status_code == 200
    # the page's own form under no-referrer: Chromium sends Origin: null, and same-origin
    answer = client.post(
        "/quit",
        base_url=BASE,
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        data={"csrf_token": csrf},
    )
    assert answer.status_code == 200
    assert _quit_calls(app) == 3


# ------------------------------------------------------------------ what every answer carries
class _Inline(HTMLParser):
    """Everything a CSP without 'unsafe-inline' would block, and every script's source."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "script":
            if "src" not in names:
                self.blocked.append("inline <script>")
            else:
                self.scripts.append(str(names["src"]))
        self.blocked += [f"{tag} {n}=" for n in names if n == "style" or n.startswith("on")]
        if names.get("href", "") and str(names["href"]).startswith("javascript:"):
            self.blocked.append("javascript: link")


def test_every_page_has_the_strict_headers_and_nothing_inline(folder: Path) -> None:
    app = make_app(folder)
    client = signed_in(app)
    assert CSP == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    anonymous = app.test_client()
    for answer in (
        client.get("/", base_url=BASE),
        client.get("/collect/", base_url=BASE),
        client.get("/collect/status.json", base_url=BASE),
        client.get("/no-such-page", base_url=BASE),
        anonymous.get("/collect/", base_url=BASE),
        client.get("/static/desk.css", base_url=BASE),
    ):
        assert answer.headers["Content-Security-Policy"] == CSP
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Frame-Options"] == "DENY"
        if answer.mimetype == "text/html":
            page = answer.get_data(as_text=True)
            parser = _Inline()
            parser.feed(page)
            assert parser.blocked == []
            assert '<meta name="renderer" content="webkit">' in page
            assert (
                IE_NOTICE_TEXT in page
            )  # shown where an IE engine opens it anyway (report.html's words)
            for src in parser.scripts:  # every script is the desk's own file
                assert client.get(src, base_url=BASE).status_code == 200
    assert client.get("/collect/", base_url=BASE).headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------ sizes and counts
def test_an_oversized_upload_gets_a_chinese_413_and_saves_nothing(folder: Path) -> None:
    app = make_app(folder)
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20  # the same check, at a size a test can send
    client = signed_in(app)
    files = [("甲局.xlsx", b"x" * (2 << 20))]
    answer = upload(client, files, {"csrf_token": csrf_of(client)})
    assert answer.status_code == 413
    assert "一次上传的文件太多或太大" in answer.get_json()["message"]
    page = upload(client, files, {"csrf_token": csrf_of(client)}, script=False)
    assert page.status_code == 413 and "请分几次上传" in page.get_data(as_text=True)
    assert not any(p.is_file() for p in (folder / "报表").rglob("*"))


def test_too_many_files_in_one_upload_are_refused(folder: Path) -> None:
    app = make_app(folder)
    app.config["MAX_FORM_PARTS"] = 12
    client = signed_in(app)
    answer = upload(client, [(f"{i}.xlsx", b"PK") for i in range(20)])
    assert answer.status_code == 413
    assert "一次最多" in answer.get_json()["message"]
    assert not any(p.is_file() for p in (folder / "报表").rglob("*"))


# ------------------------------------------------------------------ names that leave the folder
def test_upload_names_never_leave_the_arrival_folder(folder: Path) -> None:
    app = make_app(folder, start=False)
    client = signed_in(app)
    hostile = [
        "../../逃出.xlsx",
        "..\\..\\逃出2.xlsx",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "C:逃出3.xlsx",
        "CON",
        "con.xlsx",
        "COM1.xlsx",
        "LPT9.txt",
        "NUL.tar.xlsx",
        "甲局.xlsx:隐藏流",
        "甲局.xlsx::$DATA",
        "乙局.xlsx. . .",
        "丙局.xlsx   ",
        ".gongkai-xlsx-ui.json",
        "..",
        "长" * 300 + ".xlsx",
        "甲局.XLSX",  # a case-only duplicate of 甲局.xlsx, itself made from a stream name
    ]
    answer = upload(client, [(name, name.encode()) for name in hostile])
    assert answer.status_code == 200
    saved = answer.get_json()["saved"]
    assert len(saved) == len(hostile)
    [day] = (folder / "报表").iterdir()
    files = sorted(day.iterdir())
    assert len(files) == len(hostile)  # every one a file of its own: nothing overwritten
    assert {p.read_bytes() for p in files} == {n.encode() for n in hostile}
    names = [p.name for p in files]
    assert len({n.casefold() for n in names}) == len(names)  # no case-only duplicates
    reserved = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.I)
    for name in names:
        assert not reserved.match(name), name
        assert ":" not in name and "/" not in name and "\\" not in name, name
        assert name == name.rstrip(". ") and not name.startswith("."), name
        assert len(str(day / name)) <= 260, name
    assert app.extensions["gongkai_desk"].jobs.wait(120)  # the check of what arrived
    outputs = ("结果", "退回")  # the check's own outputs
    everything = {
        p for p in folder.parent.rglob("*") if p.is_file() and not set(outputs) & set(p.parts)
    }
    assert everything == set(files)  # nothing written anywhere else


def test_downloads_stay_inside_the_work_folder(folder: Path, tmp_path: Path) -> None:
    app = make_app(folder, start=False)
    client = signed_in(app)
    (folder / "结果" / "report.json").write_text("{}", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours", encoding="utf-8")
    (folder / "结果" / "link.txt").symlink_to(secret)
    (folder / "结果" / "linkdir").symlink_to(tmp_path)
    answer = client.get("/files/结果/report.json", base_url=BASE)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    for path in (
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/结果/..%2f..%2fsecret.txt",
        "/files/结果/%2e%2e/%2e%2e/secret.txt",
        "/files/结果%5c..%5c..%5csecret.txt",
        "/files//etc/passwd",
        "/files/" + str(secret).lstrip("/"),
        "/files/结果/link.txt",
        "/files/结果/linkdir/secret.txt",
        "/files/.gongkai-xlsx-ui.json",
        "/files/结果/report.json:stream",
        "/files/结果/CON",
        "/files/结果/report.json.",
        "/files/结果",
        "/files/结果/none.json",
    ):
        answer = client.get(path, base_url=BASE)
        assert answer.status_code == 404, path
        assert b"not yours" not in answer.get_data(), path


# ------------------------------------------------------------------ the real server
def _listening_addresses(port: int) -> set[str]:
    """The local addresses of every socket listening on ``port`` (Linux: /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as fh:
            for line in fh.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # LISTEN
                    raw = bytes.fromhex(address)
                    if len(raw) == 4:
                        found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                    else:
                        found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="Linux: /proc/net")
def test_the_real_server_refuses_a_wrong_host_token_and_cross_site_post(folder: Path) -> None:
    with real_server(folder) as server:
        assert _listening_addresses(server.port) == {"127.0.0.1"}  # on no other interface
        status, _, page = server.request("GET", "/", host=f"evil.example:{server.port}")
        assert status == 403 and "主机名不符".encode() in page
        status, headers, _ = server.request(
            "GET", f"/?token={server.token}", host=f"rebind.example:{server.port}"
        )
        assert status == 403 and "Set-Cookie" not in headers
        status, headers, _ = server.request("GET", "/?token=wrong")
        assert status == 403 and "Set-Cookie" not in headers
        status, _, _ = server.request("GET", "/collect/")
        assert status == 403
        cookie, csrf = server.sign_in()
        body, kind = multipart({"csrf_token": csrf}, [("甲局.xlsx", b"x")])
        for origin in ("http://evil.example", f"http://localhost:{server.port + 1}"):
            status, _, _ = server.request(
                "POST",
                "/collect/upload",
                body,
                {"Cookie": cookie, "Content-Type": kind, "Origin": origin},
            )
            assert status == 403
        status, _, _ = server.request("POST", "/quit", b"", {"Cookie": cookie})  # no Origin
        assert status == 403
        assert not any(p.is_file() for p in (folder / "报表").rglob("*"))
        assert server.process.poll() is None  # still running: nothing stopped it


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
def test_two_uploads_at_once_on_the_real_server_keep_every_file(folder: Path) -> None:
    """Two tabs dropping files with the same names at the same moment."""
    with real_server(folder) as server:
        cookie, csrf = server.sign_in()
        answers: list[int] = []

        def tab(n: int) -> None:
            files = [(f"报表{i}.xlsx", f"tab {n} file {i}".encode()) for i in range(10)]
            body, kind = multipart({}, files)
            status, _, _ = server.request(
                "POST",
                "/collect/upload",
                body,
                {
                    "Cookie": cookie,
                    "Content-Type": kind,
                    "Origin": f"http://127.0.0.1:{server.port}",
                    "X-CSRF-Token": csrf,
                    "X-Requested-With": "gongkai-desk",
                },
            )
            answers.append(status)

        tabs = [threading.Thread(target=tab, args=(n,)) for n in range(4)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join()
        assert answers == [200] * 4
        [day] = (folder / "报表").iterdir()
        contents = sorted(p.read_bytes() for p in day.iterdir())
        expected = sorted(f"tab {n} file {i}".encode() for n in range(4) for i in range(10))
        assert contents == expected  # 40 files, none lost or overwritten


def test_alive_answers_only_to_the_token_in_its_header(folder: Path) -> None:
    """What a second ``ui`` on the folder asks; no page can set the header cross-site
    without a CORS preflight the desk never grants."""
    client = make_app(folder, start=False).test_client()
    assert client.get("/alive", base_url=BASE).status_code == 403
    assert client.get(f"/alive?token={TOKEN}", base_url=BASE).status_code == 403
    assert client.get("/alive", base_url=BASE, headers={"X-Desk-Token": "x"}).status_code == 403
    answer = client.get("/alive", base_url=BASE, headers={"X-Desk-Token": TOKEN})
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    evil = {"X-Desk-Token": TOKEN, "Host": f"evil.example:{PORT}"}
    assert client.get("/alive", base_url=BASE, headers=evil).status_code == 403
    preflight = client.options(
        "/alive",
        base_url=BASE,
        headers={"Origin": "http://evil.example", "Access-Control-Request-Headers": "x-desk-token"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
