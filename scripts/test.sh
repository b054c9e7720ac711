#!/usr/bin/env bash
# The project's one test command (README "开发与测试"; .ci/run runs exactly this).
# On a fresh Debian machine it installs what the tests need: LibreOffice Calc with its
# Python bridge (the tests drive a real spreadsheet application), LibreOffice Writer (the
# rendered Word report is converted to PDF), Gnumeric (ssconvert, the second witness of
# tests/test_witness.py), Chromium with its driver (report.html is opened in a real headless
# browser, tests/test_report_page.py), CJK fonts and poppler, then the package with
# its test extras in .venv, then runs ruff, mypy (strict over src/, [tool.mypy] in
# pyproject.toml) and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
pkgs=()
command -v "$PY" >/dev/null 2>&1 || pkgs+=(python3)
"$PY" -c "import ensurepip, venv" >/dev/null 2>&1 || pkgs+=(python3-venv)
command -v soffice >/dev/null 2>&1 || pkgs+=(libreoffice-calc)
command -v lowriter >/dev/null 2>&1 || pkgs+=(libreoffice-writer)
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || pkgs+=(python3-uno)
command -v ssconvert >/dev/null 2>&1 || pkgs+=(gnumeric)
command -v pdftoppm >/dev/null 2>&1 || pkgs+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || pkgs+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || pkgs+=(fonts-noto-cjk fontconfig)
if [ "${#pkgs[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
.venv/bin/mypy  # the files and strictness come from [tool.mypy] in pyproject.toml
GONGKAI_REQUIRE_LIBREOFFICE=1 GONGKAI_REQUIRE_CHROMIUM=1 .venv/bin/python -m pytest -q "$@"
