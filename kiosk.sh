#!/usr/bin/env bash
# The kiosk's commands (see README.md):
#   ./kiosk.sh         install what is missing, then start the kiosk in the browser
#   ./kiosk.sh test    install with the test tools, then run the test suite
#   ./kiosk.sh check   install with the test tools, then the static checks (ruff, mypy)
# Installs into ./.venv (override with KIOSK_VENV). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

venv="${KIOSK_VENV:-.venv}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "kiosk: Python 3.11 or newer is needed (found: $("$python" --version 2>&1)); install it (apt-get install python3) and run again." >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv"; then
    echo "kiosk: could not create a virtual environment; install Debian's python3-venv (apt-get install python3-venv) and run again." >&2
    exit 2
  fi
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip

mode="${1:-run}"
# Debian packages the kiosk needs: PortAudio for the kiosk's own microphone
# (sounddevice), espeak-ng for aligning lines not in English. The tests need
# three more (and espeak-ng generates their speech with a known truth):
# chromium opens the HTML report and the app; fonts-noto-cjk gives it the
# Chinese glyphs of a Chinese report; postgresql serves the store's tests on
# loopback.
missing=""
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libportaudio\.so\.2' || missing="$missing libportaudio2"
# espeak-ng reads Danish, Lithuanian and Chinese lines aloud: the reference their takes are aligned to.
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
if [ "$mode" = "test" ]; then
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
  { fc-list :lang=zh 2>/dev/null || true; } | grep -qi 'Noto Sans CJK' || missing="$missing fonts-noto-cjk"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "kiosk: installing$missing (Debian)..." >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  elif [ "$mode" = "test" ]; then
    echo "kiosk: the tests need$missing; install them (sudo apt-get install -y$missing) and run again." >&2
    exit 2
  else
    # The browser and upload modes work without PortAudio; the kiosk's own microphone does not.
    echo "kiosk: for the kiosk's own microphone, install PortAudio: sudo apt-get install -y$missing (the browser and upload modes work without it)." >&2
  fi
fi
if [ "$mode" = "test" ] || [ "$mode" = "check" ]; then
  "$venv/bin/python" -m pip install --quiet -e ".[test]"
else
  "$venv/bin/python" -m pip install --quiet -e .
fi

# Resolve and verify the models once (later runs read the cache).
"$venv/bin/kiosk" models fetch
# Compile the aligner's numba code once (cached on disk), not in a trainee's first Danish,
# Lithuanian or Chinese take.
"$venv/bin/python" -c "from kiosk.voice.synthesis_alignment import compile_ahead; compile_ahead()"

case "$mode" in
  test)
    shift || true
    exec "$venv/bin/python" -m pytest "$@"
    ;;
  check)
    # Formatting, lint and types, configured in pyproject.toml: zero findings or the check fails.
    "$venv/bin/ruff" format --check kiosk tests
    "$venv/bin/ruff" check kiosk tests
    exec "$venv/bin/mypy"
    ;;
  run)
    # A wrong KIOSK_* value is said here, in the terminal, before the page opens.
    "$venv/bin/kiosk" settings --check || exit 2
    exec "$venv/bin/streamlit" run streamlit_app.py --server.headless true --browser.gatherUsageStats false
    ;;
  *)
    echo "usage: ./kiosk.sh [test [pytest args...] | check]" >&2
    exit 2
    ;;
esac
