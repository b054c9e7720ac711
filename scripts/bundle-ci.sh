#!/usr/bin/env bash
# CI's second step (.ci/run runs it after scripts/test.sh, the README's test command): build
# the offline bundle for every target from bundle/locks/ (this needs the package index), then
# install the Linux x86_64 one with NO network into a fresh profile, the way a clerk would
# (sh install.sh), and start `gongkai-xlsx ui` from it, fetch its page, stop it.
# Its own time budget: GONGKAI_BUNDLE_BUDGET seconds (default 600).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inner" ]; then
  budget="${GONGKAI_BUNDLE_BUDGET:-600}"
  rc=0
  timeout --kill-after=20 "$budget" bash "$0" --inner || rc=$?
  [ "$rc" != 124 ] || echo "bundle-ci: over its budget of ${budget} s" >&2
  exit "$rc"
fi

PY=.venv/bin/python
[ -x "$PY" ] || "${PYTHON:-python3}" -m venv .venv
tmp="$(mktemp -d /tmp/gk-bundle-ci.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

echo "== bundle-ci: building the bundle for every target"
start=$SECONDS
"$PY" scripts/bundle.py -o "$tmp/dist"
echo "built in $((SECONDS - start)) s"

echo "== bundle-ci: installing the linux-x86_64 bundle offline into a fresh profile"
home="$tmp/家 目录"  # a profile path with Chinese and a space, as on an office PC
mkdir -p "$home" "$tmp/unzipped"
"$PY" -c "import shutil, sys; shutil.unpack_archive(sys.argv[1], sys.argv[2])" \
  "$tmp/dist"/gongkai-xlsx-*-linux-x86_64.zip "$tmp/unzipped"
bundle_dir=$(echo "$tmp/unzipped"/gongkai-xlsx-*-linux-x86_64)
# No index, no pip configuration, proxies that lead nowhere; and where this machine allows
# it (root), a network namespace with no network at all.
offline=(env -u PYTHONPATH -u VIRTUAL_ENV -u XDG_DATA_HOME -u PIP_INDEX_URL
  -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS HOME="$home" PIP_NO_INDEX=1
  PIP_CONFIG_FILE=/dev/null http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9)
if unshare --net true 2>/dev/null; then
  offline=(unshare --net "${offline[@]}")
  echo "(in a network namespace with no network)"
fi
"${offline[@]}" sh "$bundle_dir/install.sh" --work-folder "$home/政务公开年报"

base="$home/.local/share/gongkai-xlsx"
venv_bin="$base/venv/bin"
desktop="$home/.local/share/applications/gongkai-xlsx.desktop"
grep -q '^Terminal=true$' "$desktop"
grep -qF "Exec=\"$venv_bin/python\" \"$base/start.py\"" "$desktop"
help=$("${offline[@]}" "$venv_bin/python" -m gongkai_xlsx --help)
echo "${help%%$'\n'*}"

work="$home/政务公开年报"
if [ ! -d src/gongkai_xlsx/desk ]; then
  # Only on a branch without the desk (src/gongkai_xlsx/desk): once it is merged, ui must start.
  echo "bundle-ci: no src/gongkai_xlsx/desk on this branch; gongkai-xlsx ui not started"
  (cd "$work" && "${offline[@]}" "$venv_bin/gongkai-xlsx" new 2024 -o t.xlsx)
  exit 0
fi

echo "== bundle-ci: starting gongkai-xlsx ui from the installed bundle"
smoke=(env -u PYTHONPATH HOME="$home" bash scripts/ui-smoke.sh "$venv_bin/python"
  "$venv_bin/gongkai-xlsx" ui --no-browser "$work")
if unshare --net true 2>/dev/null && command -v ip >/dev/null 2>&1; then
  # no network but the loopback: the page needs nothing from outside this PC
  unshare --net bash -c 'ip link set lo up && exec "$@"' ui-smoke "${smoke[@]}"
else
  "${smoke[@]}"
fi
echo "bundle-ci: ui started from the offline install, served its page and stopped"
