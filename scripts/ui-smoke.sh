#!/usr/bin/env bash
# Start a `gongkai-xlsx ui` command, wait for the address with its token that it prints,
# fetch the page as a browser would (token exchanged for a cookie), then stop the server with
# Ctrl-C (SIGINT to its process group, so its workers too) and check that it ended.
#   bash scripts/ui-smoke.sh PYTHON UI-COMMAND...
# PYTHON fetches the page (any Python 3); used by scripts/bundle-ci.sh on the offline install.
set -euo pipefail
python="$1"
shift
log="$(mktemp /tmp/gk-ui-smoke.XXXXXX)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill -KILL -- "-$server" 2>/dev/null || true; fi
  rm -f "$log"
}
trap cleanup EXIT

# A background job of a script starts with Ctrl-C ignored (and Python then never installs its
# handler): give the ui Ctrl-C back, in a process group of its own.
NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost "$python" -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$@" >"$log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 120); do
  # the address that carries the token (the ui also prints its bare address first)
  url=$(grep -oE 'http://(127\.0\.0\.1|localhost):[0-9]+/[^[:space:]"<>]*[?&]token=[^[:space:]"<>]+' "$log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "ui-smoke: the ui ended early" >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { cat "$log"; echo "ui-smoke: the ui printed no address in 60 s" >&2; exit 1; }
echo "ui-smoke: the ui is at ${url%%\?*} (token not shown)"
"$python" - "$url" <<'PY'
import http.cookiejar
import sys
import urllib.request

opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),  # straight to 127.0.0.1, whatever the environment says
    urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
)
with opener.open(sys.argv[1], timeout=30) as response:
    page = response.read().decode("utf-8")
    status = response.status
assert status == 200, status
assert "<html" in page.lower() and any("\u4e00" <= c <= "\u9fff" for c in page), page[:500]
print(f"ui-smoke: page fetched, status 200, {len(page)} characters, in Chinese")
PY
kill -INT -- "-$server"
for _ in $(seq 1 20); do
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$server" 2>/dev/null; then
  cat "$log"
  echo "ui-smoke: the ui did not stop within 10 s of Ctrl-C" >&2
  exit 1
fi
server=""
