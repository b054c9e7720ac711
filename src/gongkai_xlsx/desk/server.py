"""Running the desk: one server per work folder, on 127.0.0.1, until 退出 or the terminal
closes.

The server holds the work folder's lock (:class:`gongkai_xlsx.outputs.lock.Lock`, dropped
by the system when the process dies) for its whole life, and writes its address and token
into a state file beside it (:data:`STATE`, hidden on Windows). A second ``ui`` on the same
folder finds the lock held, reads the state file, asks that server whether it is alive
(``/alive`` with the token in a header) and opens the browser on it, instead of starting
another.

It stops on 退出 from the page (a POST: the answer goes out, then the main thread is
interrupted), on Ctrl-C, and when the terminal window closes (SIGHUP on Linux; the console's
close event on Windows). Stopping drops the jobs still waiting and cancels a running check
the way Ctrl-C stops ``ingest`` in the terminal: at its next return checked it stops, its
workers are ended and nothing is committed, so its output folder stays as the last complete
run left it. A check that does not stop within :data:`STOP_WAIT` seconds has its workers
killed (they are this process's children, daemonic, and on Linux die with it too). Then the
state file is removed and the lock released.
"""

from __future__ import annotations

import _thread
import contextlib
import http.client
import json
import multiprocessing
import os
import secrets
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from gongkai_xlsx import fsio, oserrors
from gongkai_xlsx.desk.app import ALIVE_HEADER, create_app
from gongkai_xlsx.desk.base import MAX_UPLOAD_MB
from gongkai_xlsx.desk.jobs import JobQueue
from gongkai_xlsx.desk.security import TOKEN_PARAM
from gongkai_xlsx.desk.workfolder import WorkFolder
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.outputs.hidden import hide
from gongkai_xlsx.outputs.lock import Lock, OutputLocked

STATE = ".gongkai-xlsx-ui.json"
HOST = "127.0.0.1"
ALIVE_TIMEOUT = 3.0
THREADS = 4  # waitress threads: a page, its polls, an upload, a download at once
STOP_WAIT = 12.0  # seconds a running check has to stop by itself (a task's time limit is 10)


@dataclass(frozen=True)
class Running:
    """A desk found running on a folder: its port and token (from the state file)."""

    port: int
    token: str
    pid: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?{TOKEN_PARAM}={self.token}"


def read_state(folder: WorkFolder) -> Running | None:
    try:
        data = json.loads((folder.root / STATE).read_text(encoding="utf-8"))
        return Running(int(data["port"]), str(data["token"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_alive(running: Running) -> bool:
    """Whether the desk of the state file answers, and knows its token."""
    connection = http.client.HTTPConnection(HOST, running.port, timeout=ALIVE_TIMEOUT)
    try:
        connection.request(
            "GET",
            "/alive",
            headers={"Host": f"{HOST}:{running.port}", ALIVE_HEADER: running.token},
        )
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def find_running(folder: WorkFolder, wait: float = 5.0) -> Running | None:
    """The desk already running on ``folder``: its lock is held, and it answers (a desk
    just starting has its lock before its state file: wait for it a little)."""
    end = time.monotonic() + wait
    while True:
        running = read_state(folder)
        if running is not None and is_alive(running):
            return running
        if time.monotonic() >= end:
            return None
        time.sleep(0.2)


def stop_workers() -> None:
    """End the worker processes of a check still running (children of this process)."""
    for child in multiprocessing.active_children():
        with contextlib.suppress(Exception):
            child.kill()
    for child in multiprocessing.active_children():
        with contextlib.suppress(Exception):
            child.join(2)


def serve(
    path: str | os.PathLike[str],
    *,
    port: int = 0,
    open_browser: bool = True,
    say: Callable[[str], None] = print,
) -> int:
    """Run the desk of the work folder at ``path`` until it is stopped; or, when one runs
    on it already, open that one. Returns the exit code."""
    from waitress.server import create_server

    folder = WorkFolder.open(path)
    try:
        lock = Lock(folder.root)
    except OutputLocked:
        running = find_running(folder)
        if running is None:
            raise UsageError(
                f"{folder.root}：工作文件夹正被另一个程序使用，但那里的工作台没有回应。"
                "请关闭其他 gongkai-xlsx 窗口后再试。"
            ) from None
        say(f"这个工作文件夹的工作台已经在运行，正在打开：{running.url}")
        if open_browser:
            webbrowser.open(running.url)
        return 0
    jobs = JobQueue()

    def quit_soon() -> None:
        """退出 from the page: answer first, then stop the main thread's loop."""

        def later() -> None:
            time.sleep(0.3)
            _thread.interrupt_main()

        threading.Thread(target=later, daemon=True).start()

    try:
        token = secrets.token_urlsafe(32)
        # the port is known once the socket is bound, and the app checks Host against it
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            sock.close()
            raise UsageError(
                f"无法启动工作台：{oserrors.port_reason(exc, port)}。"
                "请换一个端口，或不写 --port，由工具自动选择空闲端口。"
            ) from exc
        bound = int(sock.getsockname()[1])
        app = create_app(folder, token=token, port=bound, quit=quit_soon, jobs=jobs)
        server = create_server(
            app,
            sockets=[sock],
            threads=THREADS,
            max_request_body_size=(MAX_UPLOAD_MB + 1) << 20,  # the app's own 413 is Chinese
            ident="gongkai-xlsx",
            clear_untrusted_proxy_headers=True,
        )
        running = Running(bound, token, os.getpid())
        state = {"port": bound, "token": token, "pid": os.getpid()}
        fsio.write_atomic(folder.root / STATE, json.dumps(state).encode("utf-8"))
        hide(folder.root / STATE)
        say(f"工作台已启动：{_plain_url(bound)}")
        if open_browser:
            say("正在用浏览器打开；如果没有打开，请把下面的地址复制到浏览器（Edge、Chrome）中：")
        else:
            say("请把下面的地址复制到浏览器（Edge、Chrome）中打开：")
        say(running.url)
        say("用完后在页面上点“退出”，或直接关闭这个窗口。")
        if open_browser:
            webbrowser.open(running.url)
        with _stop_signals(), contextlib.suppress(KeyboardInterrupt):
            server.run()
        say("工作台已退出。")
        return 0
    finally:
        if jobs.busy():
            say("正在停止进行中的检查……")
        if not jobs.close(wait=STOP_WAIT):
            stop_workers()
        with contextlib.suppress(OSError):
            (folder.root / STATE).unlink()
        lock.release()


def _plain_url(port: int) -> str:
    return f"http://{HOST}:{port}/"


@contextlib.contextmanager
def _stop_signals() -> Any:
    """Ctrl-C, the terminal closing (SIGHUP), SIGTERM and SIGBREAK stop the server: each
    raises KeyboardInterrupt in the main thread, which waitress's loop ends on."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
    previous: dict[int, Any] = {}
    for name in names:
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):
                previous[number] = signal.signal(number, stop)
    console = _windows_console_close(stop) if sys.platform == "win32" else None
    try:
        yield
    finally:
        for number, handler in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(number, handler)
        del console


def _windows_console_close(stop: Callable[[int, FrameType | None], None]) -> Any:
    """Windows: closing the console window sends CTRL_CLOSE_EVENT, which Python maps to no
    signal: a console control handler interrupts the main thread (untested here: no
    Windows)."""
    import ctypes

    handler_type = ctypes.WINFUNCTYPE(ctypes.c_int, ctypes.c_uint)  # type: ignore[attr-defined,unused-ignore]

    def on_event(event: int) -> int:
        if event in (2, 5, 6):  # CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT
            _thread.interrupt_main()
            time.sleep(4)  # Windows ends the process 5 s after a close event
            return 1
        return 0

    handler = handler_type(on_event)
    ctypes.windll.kernel32.SetConsoleCtrlHandler(handler, True)  # type: ignore[attr-defined,unused-ignore]
    return handler
