"""Install gongkai-xlsx from this offline bundle into a private environment under the
user's profile, and put a launcher for ``gongkai-xlsx ui`` on the desktop.

Run by install.py (after its Python version check) from install.cmd or install.sh. No
network (pip gets ``--no-index``), no admin rights: everything goes under
%LOCALAPPDATA%\\gongkai-xlsx on Windows, ~/.local/share/gongkai-xlsx on Linux. Every
message is Chinese; the .cmd launcher it copies stays ASCII (cmd.exe reads .cmd files in
the console code page) and the Chinese work folder lives in start.py, which Python reads as
UTF-8.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUNDLE = HERE.parent
NAME = "政务公开年报"  # the launcher's name and the default work folder's
WINDOWS = sys.platform == "win32"
# the wheel platform each bundle target needs (sysconfig.get_platform() of its Python)
PLATFORMS = {
    "windows-x64": "win-amd64",
    "linux-x86_64": "linux-x86_64",
    "linux-aarch64": "linux-aarch64",
}


class Stop(Exception):
    """A reason to stop, already worded in Chinese for the person installing."""


def say(text: str) -> None:
    print(text, flush=True)


def base_folder() -> Path:
    """Where the private environment and start.py live."""
    if WINDOWS:
        return (
            Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
            / "gongkai-xlsx"
        )
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "gongkai-xlsx"


def _windows_folder(csidl: int) -> Path | None:
    """A shell folder (desktop, documents, Start menu programs), wherever it was moved."""
    import ctypes

    buffer = ctypes.create_unicode_buffer(260)
    if ctypes.windll.shell32.SHGetFolderPathW(None, csidl, None, 0, buffer) != 0:  # type: ignore[attr-defined]
        return None
    return Path(buffer.value)


def _xdg_folder(kind: str, fallbacks: tuple[str, ...]) -> Path | None:
    """An XDG user folder (``xdg-user-dir DESKTOP``), else the first fallback that exists."""
    home = Path.home()
    if shutil.which("xdg-user-dir"):
        done = subprocess.run(["xdg-user-dir", kind], capture_output=True, text=True, check=False)
        found = Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
        if found is not None and found != home and found.is_dir():
            return found
    for name in fallbacks:
        if (home / name).is_dir():
            return home / name
    return None


def documents() -> Path:
    found = _windows_folder(5) if WINDOWS else _xdg_folder("DOCUMENTS", ("文档", "Documents"))
    return found or Path.home()


def check_bundle() -> tuple[str, Path]:
    """The bundle's target, checked against this Python, and its requirements file."""
    meta = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    target = meta["target"]
    here = sysconfig.get_platform()
    if PLATFORMS[target] != here:
        hint = "请安装 64 位的 Python。" if here == "win32" else "请换用与这台电脑相符的安装包。"
        raise Stop(f"这个安装包是 {target} 用的，这台电脑上的 Python 是 {here}。{hint}")
    if WINDOWS and "WindowsApps" in sys.executable:
        raise Stop(
            "这是“Microsoft Store（应用商店）”中的 Python：Windows 会把它写入用户目录的文件放到别处，"
            "安装后的程序找不到。请从 python.org 下载“Windows installer (64-bit)”安装 Python，再双击 install.cmd。"
        )
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    requirements = BUNDLE / "requirements" / f"{tag}.txt"
    if not requirements.is_file():
        raise Stop(
            f"安装包中没有 Python {sys.version_info[0]}.{sys.version_info[1]} 用的文件（{requirements}）。"
        )
    return target, requirements


def make_environment(folder: Path) -> Path:
    """A fresh venv at ``folder`` (an earlier one is replaced: reinstalling upgrades)."""
    try:
        import ensurepip  # noqa: F401  # Debian splits it off into python3-venv
    except ImportError:
        raise Stop(
            "这个 Python 不能创建虚拟环境。请先安装 python3-venv（如 sudo apt install python3-venv），再运行安装程序。"
        ) from None
    if folder.exists():
        try:
            shutil.rmtree(folder)
        except OSError as error:
            raise Stop(
                f"无法删除以前安装的 {folder}（{error.strerror}）。如果 gongkai-xlsx 正在运行，请先在网页上点“退出”"
                "或关闭它的窗口，再重新安装。"
            ) from None
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    except (OSError, subprocess.CalledProcessError) as error:
        raise Stop(
            f"无法在 {folder} 创建 Python 环境：{error}。杀毒软件可能拦截了，请见 README.txt 中“被杀毒软件拦截”一节。"
        ) from None
    return folder / ("Scripts" if WINDOWS else "bin") / ("python.exe" if WINDOWS else "python")


def pip_install(python: Path, requirements: Path) -> None:
    """Every wheel from the bundle, each checked against its locked hash; no network."""
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-cache-dir",
            "--find-links",
            str(BUNDLE / "wheels"),
            "--only-binary",
            ":all:",
            "--require-hashes",
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise Stop(f"安装 gongkai-xlsx 失败。pip 的输出（英文）最后几行：\n{tail}")


def write_start(base: Path, python: Path, work: Path) -> Path:
    """start.py: runs ``gongkai-xlsx ui <work folder>``; UTF-8, so the Chinese path is safe."""
    start = base / "start.py"
    start.write_text(
        '"""Written by the gongkai-xlsx installer: starts the desk on the work folder."""\n'
        "import sys\n\n"
        "from gongkai_xlsx.cli import main\n\n"
        f"sys.argv = ['gongkai-xlsx', 'ui', {str(work)!r}, *sys.argv[1:]]\n"
        "main()\n",
        encoding="utf-8",
    )
    return start


def desktop_exec(*args: str) -> str:
    """An Exec= value (freedesktop Desktop Entry spec): each argument quoted, ``"`` `` ` ``
    ``$`` ``\\`` escaped inside the quotes, then backslashes doubled for the string type and
    ``%`` doubled for the field codes."""
    quoted = []
    for arg in args:
        inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        quoted.append('"' + inner + '"')
    return " ".join(quoted).replace("\\", "\\\\").replace("%", "%%")


def linux_launchers(python: Path, start: Path) -> list[Path]:
    """gongkai-xlsx.desktop in the applications menu, and a copy on the desktop."""
    entry = "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.0",
            f"Name={NAME}",
            "Comment=gongkai-xlsx：在浏览器中下发模板、收集校验、退回、汇总政府信息公开工作年度报告",
            f"Exec={desktop_exec(str(python), str(start))}",
            "Terminal=true",
            "Categories=Office;",
            "",
        ]
    )
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    places = [data / "applications"]
    desktop = _xdg_folder("DESKTOP", ("桌面", "Desktop"))
    if desktop is not None:
        places.append(desktop)
    written = []
    for place in places:
        place.mkdir(parents=True, exist_ok=True)
        path = place / "gongkai-xlsx.desktop"
        path.write_text(entry, encoding="utf-8")
        path.chmod(0o755)
        if place == desktop and shutil.which("gio"):  # GNOME, UKUI, DDE: a trusted launcher
            subprocess.run(
                ["gio", "set", str(path), "metadata::trusted", "true"],
                capture_output=True,
                check=False,
            )
        written.append(path)
    return written


def windows_launchers() -> list[Path]:
    """政务公开年报.cmd on the desktop and in the Start menu: the ASCII start.cmd."""
    written = []
    for csidl in (0x10, 0x02):  # the desktop; Start menu > Programs
        folder = _windows_folder(csidl)
        if folder is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{NAME}.cmd"
        shutil.copyfile(HERE / "start.cmd", path)
        written.append(path)
    return written


def install(work: Path | None) -> int:
    target, requirements = check_bundle()
    base = base_folder()
    say(
        f"正在安装 gongkai-xlsx（{target}，Python {sys.version_info[0]}.{sys.version_info[1]}）到 {base} ……"
    )
    base.mkdir(parents=True, exist_ok=True)
    python = make_environment(base / "venv")
    say("已创建独立的 Python 环境，正在从安装包安装（不联网）……")
    pip_install(python, requirements)
    work = work or documents() / NAME
    try:
        work.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Stop(
            f"无法创建工作文件夹 {work}（{error.strerror}）。可用 --work-folder 指定另一个文件夹。"
        ) from None
    start = write_start(base, python, work)
    launchers = windows_launchers() if WINDOWS else linux_launchers(python, start)
    command = python.parent / ("gongkai-xlsx.exe" if WINDOWS else "gongkai-xlsx")
    say("安装完成。")
    for path in launchers:
        say(f"  启动图标：{path}")
    say(f"  工作文件夹：{work}")
    say(
        f"双击“{NAME}”图标即可在浏览器中打开（桌面上，或开始菜单、应用菜单中）；关闭它的终端窗口即停止。"
    )
    say(f'喜欢命令行的，可以直接运行："{command}" ui')
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="install", description="从离线安装包安装 gongkai-xlsx。")
    parser.add_argument("--work-folder", type=Path, help=f"工作文件夹（默认：文档/{NAME}）")
    args = parser.parse_args(argv)
    try:
        return install(args.work_folder)
    except Stop as stop:
        print(f"错误：{stop}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
