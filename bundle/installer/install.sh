#!/bin/sh
# gongkai-xlsx offline installer for Linux: finds Python 3.11-3.13 and runs
# installer/install.py with it (no root, no network). Run: sh install.sh
cd "$(dirname "$0")" || exit 1
for py in python3.13 python3.12 python3.11 python3; do
  # runs, not only exists (pyenv's shims exist for versions that are not selected)
  if "$py" -c "" >/dev/null 2>&1; then
    exec "$py" installer/install.py "$@"
  fi
done
echo "没有找到 Python 3。请先安装 Python 3.11、3.12 或 3.13（统信 UOS、麒麟、Debian、Ubuntu：sudo apt install python3 python3-venv），再运行 sh install.sh。" >&2
exit 1
