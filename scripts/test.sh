#!/usr/bin/env bash
# The project's one test command (README "开发与测试"; .ci/run runs exactly this).
# On a fresh Debian machine it installs what the tests need: LibreOffice Calc with its
# Python bridge (the tests drive a real spreadsheet application), CJK fonts and poppler,
# then the package with its test extras in .venv, then runs ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
command -v soffice >/dev/null 2>&1 || need_apt=1
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need_apt=1
command -v pdftoppm >/dev/null 2>&1 || need_apt=1
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt=1
if [ "$need_apt" = 1 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc python3-uno fonts-noto-cjk poppler-utils >/dev/null
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
GONGKAI_REQUIRE_LIBREOFFICE=1 .venv/bin/python -m pytest -q "$@"
