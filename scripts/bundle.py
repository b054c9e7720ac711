"""Build the offline bundle: every wheel gongkai-xlsx needs, for one office PC without a
package index, with an installer and a desktop launcher (issue 15).

    python scripts/bundle.py --lock          # re-resolve bundle/locks/ (uv, needs the index)
    python scripts/bundle.py                 # build dist/bundle/*.zip for every target
    python scripts/bundle.py --target linux-x86_64 -o /tmp/b

Why two steps: ``pip download --platform`` evaluates environment markers against the build
machine, so typer's ``colorama; platform_system == "Windows"`` would be missing from a
Windows bundle built on Linux. ``--lock`` resolves each target with
``uv pip compile --python-platform … --python-version …``, which evaluates the markers for
that target, and writes a PEP 751 lock (pylock.toml) per target and Python version: the
pins, and the one wheel of each pin that fits the target, with its hash. The build then
downloads exactly those wheels with ``pip download --no-deps --require-hashes`` for the
target's platform tags (so pip agrees the wheel fits), builds the project's own wheel, and
zips them with the installer (bundle/installer/). tests/test_bundle.py checks the locks
offline: the markers of each target, the pyproject dependencies, the wheels' tags.

Only the standard library is used here: CI runs this right after creating a venv.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "bundle" / "locks"
INSTALLER = ROOT / "bundle" / "installer"
PYTHONS = ("3.11", "3.12", "3.13")
# The oldest glibc the Linux bundles accept: UOS 20 and Kylin V10, the domestic desktops, are
# on glibc 2.28 and later; manylinux_2_28 wheels and older ones fit.
GLIBC_MINOR = 28


@dataclass(frozen=True)
class Target:
    """One platform a bundle is built for."""

    name: str
    uv_platform: str  # uv pip compile --python-platform
    platforms: tuple[str, ...]  # wheel platform tags that fit, best first
    environment: dict[str, str]  # PEP 508 marker variables, without the Python version


def _manylinux(arch: str) -> tuple[str, ...]:
    newest_first = [f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC_MINOR, 16, -1)]
    return (*newest_first, f"manylinux2014_{arch}")


TARGETS: dict[str, Target] = {
    "windows-x64": Target(
        "windows-x64",
        "x86_64-pc-windows-msvc",
        ("win_amd64",),
        {
            "os_name": "nt",
            "sys_platform": "win32",
            "platform_system": "Windows",
            "platform_machine": "AMD64",
        },
    ),
    "linux-x86_64": Target(
        "linux-x86_64",
        f"x86_64-manylinux_2_{GLIBC_MINOR}",
        _manylinux("x86_64"),
        {
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
        },
    ),
    "linux-aarch64": Target(
        "linux-aarch64",
        f"aarch64-manylinux_2_{GLIBC_MINOR}",
        _manylinux("aarch64"),
        {
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "aarch64",
        },
    ),
}


def marker_environment(target: Target, python: str) -> dict[str, str]:
    """The PEP 508 variables of ``target`` running CPython ``python`` ("3.12")."""
    return {
        **target.environment,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "implementation_version": f"{python}.0",
        "platform_release": "",
        "platform_version": "",
    }


def lock_path(target: str, python: str) -> Path:
    """bundle/locks/pylock.<target>-py3XX.toml (PEP 751 allows no dot in the name)."""
    return LOCKS / f"pylock.{target}-py{python.replace('.', '')}.toml"


def read_lock(path: Path) -> list[dict[str, object]]:
    """The ``[[packages]]`` of a pylock.toml."""
    packages: list[dict[str, object]] = tomllib.loads(path.read_text("utf-8"))["packages"]
    return packages


def wheel_name(wheel: dict[str, object]) -> str:
    """A lock entry's wheel file name (PEP 751: ``name``, else the last part of ``url``)."""
    name = wheel.get("name") or str(wheel["url"]).rsplit("/", 1)[-1]
    return str(name)


def lock(uv: str) -> None:
    """Resolve every target × Python with uv, which evaluates the target's markers."""
    LOCKS.mkdir(parents=True, exist_ok=True)
    for target in TARGETS.values():
        for python in PYTHONS:
            out = lock_path(target.name, python)
            subprocess.run(
                [
                    uv,
                    "pip",
                    "compile",
                    "pyproject.toml",
                    "--python-platform",
                    target.uv_platform,
                    "--python-version",
                    python,
                    "--only-binary",
                    ":all:",
                    "--generate-hashes",
                    "--format",
                    "pylock.toml",
                    "--custom-compile-command",
                    "python scripts/bundle.py --lock",
                    "--quiet",
                    "-o",
                    str(out.relative_to(ROOT)),
                ],
                cwd=ROOT,
                check=True,
            )
            print(f"locked {out.relative_to(ROOT)}")


def requirements(path: Path) -> str:
    """A pip requirements file of the lock's wheels: ``name==version --hash=…`` per pin."""
    lines = []
    for package in read_lock(path):
        wheels = package.get("wheels")
        if not isinstance(wheels, list) or not wheels:
            raise SystemExit(f"{path.name}: {package['name']} has no wheel for this target")
        hashes = " ".join(f"--hash=sha256:{w['hashes']['sha256']}" for w in wheels)
        lines.append(f"{package['name']}=={package['version']} {hashes}")
    return "\n".join(lines) + "\n"


def download(target: Target, python: str, req: Path, wheels: Path) -> None:
    """Fetch the locked wheels for one target and Python, checking pip agrees they fit."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            *_tag_options(target, python),
            "--require-hashes",
            "-r",
            str(req),
            "-d",
            str(wheels),
        ],
        env=_ONLY_THE_LOCK,
        check=True,
    )


# pip without this machine's configuration (its extra indexes, find-links, constraints): the
# bundle holds what the locks name, from the package index, and nothing else.
_ONLY_THE_LOCK = {
    **{k: v for k, v in os.environ.items() if k not in ("PIP_FIND_LINKS", "PIP_CONSTRAINT")},
    "PIP_CONFIG_FILE": os.devnull,
}


def _tag_options(target: Target, python: str) -> list[str]:
    """pip's options for another machine: its platform tags, its CPython's ABIs."""
    abi = f"cp{python.replace('.', '')}"
    return [
        *(arg for p in target.platforms for arg in ("--platform", p)),
        "--python-version",
        python,
        "--implementation",
        "cp",
        *("--abi", abi, "--abi", "abi3", "--abi", "none"),
    ]


def verify(target: Target, python: str, folder: Path) -> None:
    """What the office PC's pip will do, done here first: install every requirement of the
    bundle for ``target`` from its wheels/ alone (a dry run, no index, no pip configuration
    of this machine), hashes checked."""
    with tempfile.TemporaryDirectory(prefix="gk-verify-") as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--quiet",
                "--ignore-installed",
                "--no-index",
                "--find-links",
                str(folder / "wheels"),
                "--only-binary=:all:",
                *_tag_options(target, python),
                "--target",
                tmp,
                "--require-hashes",
                "-r",
                str(folder / "requirements" / f"py{python.replace('.', '')}.txt"),
            ],
            env=_ONLY_THE_LOCK,
            check=True,
        )


def project_wheel(into: Path) -> Path:
    """The project's own wheel, built from the checkout."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(into), str(ROOT)],
        check=True,
    )
    (wheel,) = sorted(into.glob("gongkai_xlsx-*.whl"))
    return wheel


def version() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return str(project["version"])


def build(target: Target, own: Path, out: Path) -> Path:
    """Lay out one target's bundle folder and zip it; returns the zip."""
    name = f"gongkai-xlsx-{version()}-{target.name}"
    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    shutil.copy2(own, wheels / own.name)
    own_hash = hashlib.sha256(own.read_bytes()).hexdigest()
    own_line = f"gongkai-xlsx=={version()} --hash=sha256:{own_hash}\n"
    (folder / "requirements").mkdir()
    for python in PYTHONS:
        req = folder / "requirements" / f"py{python.replace('.', '')}.txt"
        req.write_text(requirements(lock_path(target.name, python)), encoding="utf-8")
        download(target, python, req, wheels)
        with req.open("a", encoding="utf-8") as file:  # installed from wheels/ with the rest
            file.write(own_line)
        verify(target, python, folder)
    installer = folder / "installer"
    shutil.copytree(INSTALLER, installer, ignore=shutil.ignore_patterns("__pycache__"))
    windows = target.name.startswith("windows")
    unused = ("install.sh",) if windows else ("install.cmd", "start.cmd", "no-python.txt")
    for leftover in unused:
        (installer / leftover).unlink()
    shutil.move(installer / "README.txt", folder / "README.txt")
    if windows:
        shutil.move(installer / "install.cmd", folder / "install.cmd")
        for script in (folder / "install.cmd", installer / "start.cmd"):
            # cmd.exe misreads labels in LF-only batch files: CRLF whatever the checkout has
            lines = script.read_bytes().replace(b"\r\n", b"\n").split(b"\n")
            script.write_bytes(b"\r\n".join(lines))
    else:
        shutil.move(installer / "install.sh", folder / "install.sh")
        (folder / "install.sh").chmod(0o755)
    (installer / "bundle.json").write_text(
        json.dumps(
            {"target": target.name, "version": version(), "pythons": list(PYTHONS)}, indent=1
        )
        + "\n",
        encoding="utf-8",
    )
    archive = shutil.make_archive(str(out / name), "zip", root_dir=out, base_dir=name)
    return Path(archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", action="store_true", help="re-resolve bundle/locks/ with uv")
    parser.add_argument("--uv", default=shutil.which("uv") or "uv", help="the uv to lock with")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "dist" / "bundle")
    args = parser.parse_args(argv)
    if args.lock:
        lock(args.uv)
        return 0
    out: Path = args.output.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gk-bundle-") as tmp:
        own = project_wheel(Path(tmp))
        for name in args.target or sorted(TARGETS):
            archive = build(TARGETS[name], own, out)
            size = archive.stat().st_size / 2**20
            print(f"{archive.relative_to(out.parent)}  {size:.1f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    raise SystemExit(main())
