#!/usr/bin/env bash
# Take a screenshot of a report with headless Chromium, for a person to look at.
#
#   scripts/screenshot.sh report.html [shot.png] [WIDTH,HEIGHT]
#
# Examples:
#   scripts/screenshot.sh report.html desktop.png 1200,2400   # desktop width, a long page
#   scripts/screenshot.sh report.html phone.png 390,2400      # phone width (iPhone 12-15)
#
# Needs Debian's chromium (apt-get install chromium).  The browser gets a throw-away profile and
# no background networking; the report itself never makes a request.  The launcher's
# "unexpected operator" and dbus lines on stderr are harmless.
set -euo pipefail
if [ $# -lt 1 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
page="$1"
shot="${2:-shot.png}"
size="${3:-1200,2400}"
browser="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}"
if [ ! -f "$page" ]; then
    echo "screenshot.sh: no such file: $page" >&2
    exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
abs="$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
case "$shot" in /*) out="$shot" ;; *) out="$(pwd)/$shot" ;; esac
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --virtual-time-budget=5000 \
    --screenshot="$out" --window-size="$size" "file://$abs" 2>/dev/null
echo "Wrote $out"
