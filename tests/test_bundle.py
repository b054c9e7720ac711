"""The offline bundle, checked without a network (issue 15): each target's lock evaluates
that target's environment markers, pins every dependency of pyproject.toml, and names a
wheel whose tags fit the target for every pin; the installer's .cmd files are ASCII and
short; the installer answers an unsupported Python in Chinese.

scripts/bundle-ci.sh (run by .ci/run) builds every bundle from these locks and installs the
Linux x86_64 one offline; this file is the part that needs no package index.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging import tags
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
INSTALLER = ROOT / "bundle" / "installer"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(INSTALLER))
import desk_setup  # noqa: E402

import bundle  # noqa: E402

CASES = [(t, p) for t in bundle.TARGETS for p in bundle.PYTHONS]
IDS = [f"{t}-py{p}" for t, p in CASES]


def _lock(target: str, python: str) -> dict[str, dict[str, object]]:
    """The lock's packages by canonical name."""
    return {
        canonicalize_name(str(p["name"])): p
        for p in bundle.read_lock(bundle.lock_path(target, python))
    }


def _dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def test_every_target_and_python_has_a_lock_the_script_wrote() -> None:
    locks = sorted(bundle.LOCKS.glob("pylock.*.toml"))
    assert locks == sorted(bundle.lock_path(t, p) for t, p in CASES)
    for path in locks:
        assert "#    python scripts/bundle.py --lock\n" in path.read_text("utf-8"), path.name


@pytest.mark.parametrize(("target", "python"), CASES, ids=IDS)
def test_colorama_is_in_the_windows_locks_only(target: str, python: str) -> None:
    """typer needs colorama on Windows only (``platform_system == "Windows"``):
    what ``pip download --platform`` on Linux would have left out of a Windows bundle."""
    assert ("colorama" in _lock(target, python)) == target.startswith("windows")
    (wanted,) = [
        Requirement(line)
        for line in metadata.requires("typer") or []
        if Requirement(line).name == "colorama"
    ]
    assert wanted.marker is not None
    env = bundle.marker_environment(bundle.TARGETS[target], python)
    assert wanted.marker.evaluate(env) == target.startswith("windows")


@pytest.mark.parametrize(("target", "python"), CASES, ids=IDS)
def test_each_locked_requirement_is_there_when_its_marker_holds_for_the_target(
    target: str, python: str
) -> None:
    """Every requirement of every locked package whose marker is true on the target is in
    the target's lock; a package the lock marks for some platforms only is meant for this
    one. The requirements are read from the installed metadata of the same version."""
    env = bundle.marker_environment(bundle.TARGETS[target], python)
    locked = _lock(target, python)
    checked = 0
    for name, package in locked.items():
        if "marker" in package:
            assert Marker(str(package["marker"])).evaluate(env), (name, package["marker"])
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if Version(dist.version) != Version(str(package["version"])):
            continue
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({**env, "extra": ""}):
                assert canonicalize_name(requirement.name) in locked, (name, line)
                checked += 1
    assert checked > 0  # the click/typer requirements at least were read


@pytest.mark.parametrize(("target", "python"), CASES, ids=IDS)
def test_every_pyproject_dependency_is_pinned_within_its_range(target: str, python: str) -> None:
    locked = _lock(target, python)
    for requirement in _dependencies():
        name = canonicalize_name(requirement.name)
        assert name in locked, (target, python, requirement)
        pinned = Version(str(locked[name]["version"]))
        assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)


def _fits(target: str, python: str) -> set[tags.Tag]:
    """The wheel tags CPython ``python`` on ``target`` accepts."""
    version = tuple(int(part) for part in python.split("."))
    cp = f"cp{python.replace('.', '')}"
    platforms = list(bundle.TARGETS[target].platforms)
    return set(tags.cpython_tags(version, abis=[cp], platforms=platforms)) | set(
        tags.compatible_tags(version, interpreter=cp, platforms=platforms)
    )


@pytest.mark.parametrize(("target", "python"), CASES, ids=IDS)
def test_each_pin_has_a_wheel_that_fits_the_target(target: str, python: str) -> None:
    """Resolved by the lock's recorded wheel names, offline: no pin needs an sdist built on
    the office PC (there is no compiler there)."""
    fits = _fits(target, python)
    for name, package in _lock(target, python).items():
        wheels = package.get("wheels")
        assert isinstance(wheels, list) and wheels, (name, "has no wheel")
        for wheel in wheels:
            file_name = bundle.wheel_name(wheel)
            wheel_project, wheel_version, _, wheel_tags = parse_wheel_filename(file_name)
            assert wheel_project == name and wheel_version == Version(str(package["version"]))
            assert wheel_tags & fits, (target, python, file_name)
            assert len(wheel["hashes"]["sha256"]) == 64  # the build downloads with --require-hashes


def test_a_wheel_of_another_platform_does_not_fit() -> None:
    """The tag check can fail: lxml's Windows wheel fits no Linux target."""
    windows = bundle.wheel_name(_lock("windows-x64", "3.12")["lxml"]["wheels"][0])  # type: ignore[index]
    _, _, _, wheel_tags = parse_wheel_filename(windows)
    assert wheel_tags & _fits("windows-x64", "3.12")
    assert not wheel_tags & _fits("linux-x86_64", "3.12")
    assert not wheel_tags & _fits("windows-x64", "3.11")


def test_the_installer_knows_every_target() -> None:
    assert set(desk_setup.PLATFORMS) == set(bundle.TARGETS)


@pytest.mark.parametrize("name", ["install.cmd", "start.cmd"])
def test_cmd_files_are_ascii_and_read_in_one_look(name: str) -> None:
    """cmd.exe reads a .cmd file in the console's code page (GBK on a Chinese Windows): the
    Chinese is printed by Python, never written in the .cmd."""
    data = (INSTALLER / name).read_bytes()
    data.decode("ascii")
    assert len(data.splitlines()) <= 40


def test_the_no_python_message_is_gbk_for_cmds_type() -> None:
    text = (INSTALLER / "no-python.txt").read_bytes().decode("gbk")
    assert "没有找到 Python" in text and "Add python.exe to PATH" in text


def test_install_sh_is_valid_sh() -> None:
    subprocess.run(["sh", "-n", str(INSTALLER / "install.sh")], check=True)


def test_an_unsupported_python_is_told_in_chinese() -> None:
    """install.py runs first under whatever Python was found; one outside 3.11–3.13 gets a
    Chinese answer and exit 3, before pip could say anything in English."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import install; "
        "install.SUPPORTED = ((3, 8),); sys.exit(install.main())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(INSTALLER)],
        capture_output=True,
        encoding="utf-8",
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 3, done.stderr
    found = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"这台电脑上找到的 Python 是 {found} 版" in done.stderr
    assert "gongkai-xlsx 需要 Python 3.11、3.12 或 3.13（64 位）。" in done.stderr
    assert done.stdout == ""


def _unexec(value: str) -> list[str]:
    """Undo desktop_exec the way a desktop reads Exec=: string escapes, ``%%``, quoting."""
    value = value.replace("\\\\", "\x00").replace("%%", "%").replace("\x00", "\\")
    args, current, quoted, escaped = [], "", False, False
    for char in value:
        if escaped:
            current, escaped = current + char, False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
            if not quoted:
                args.append(current)
                current = ""
        elif quoted:
            current += char
    return args


def test_the_desktop_entry_quotes_profile_paths() -> None:
    """Profile paths with spaces, Chinese and the characters the spec reserves."""
    paths = ["/home/张 三/.local/share/gongkai-xlsx/venv/bin/python", '/tmp/a "b" $HOME `x` \\ 50%']
    value = desk_setup.desktop_exec(*paths)
    assert _unexec(value) == paths
    assert "%%" in value and "\\$" in value
