#!/usr/bin/env bash
# One command to set ambil up on a fresh Debian / Raspberry Pi OS machine and then:
#   ./setup.sh serve [ambil serve options]   run the whole system (all-in-one, SQLite, simulated lane)
#   ./setup.sh test  [pytest options]        check the import contracts, run the test suite (starts its
#                                            own cupsd; needs PostgreSQL)
#   ./setup.sh install                       only install
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# build tools for pycups, CUPS with a PDF queue for the tests, zbar for pyzbar, poppler for previews
SYSTEM_PACKAGES=(python3 python3-venv python3-dev gcc libcups2-dev cups cups-client cups-bsd printer-driver-cups-pdf
                 libzbar0 ghostscript poppler-utils fonts-dejavu-core curl)
# what the tests run besides Python: Debian's Chromium for the browser suites (Playwright never
# downloads one), shellcheck and systemd-analyze for systemd/, pdftoppm (poppler-utils) for slips,
# Caddy and nginx for README's TLS proxy configs (tests/e2e/test_tls_proxy.py runs private ones)
# espeak-ng for the spoken prompts' tests (tests/web/test_speech.py renders real WAVs)
TEST_PACKAGES=(chromium shellcheck systemd poppler-utils caddy nginx espeak-ng)
# every program a test needs; `./setup.sh test` refuses to start the suite when one is missing
TEST_TOOLS=(/usr/sbin/cupsd /usr/sbin/lpadmin /usr/lib/cups/backend/cups-pdf chromium shellcheck
            systemd-analyze pdftoppm gs caddy /usr/sbin/nginx espeak-ng)
PG_PACKAGES=(postgresql)
# the lane's spoken prompts (lane.speech): rendered at install time, so only installed when on
SPEECH_PACKAGES=(espeak-ng)
# the config install-time steps read: $AMBIL_CONFIG, else the installed one (systemd/install-pi.sh)
CONFIG_FILE="${AMBIL_CONFIG:-/etc/ambil/ambil.toml}"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing system packages: ${missing[*]}"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

install_python() {
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
  fi
  local stamp=.venv/.ambil-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing ambil and its Python packages into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test,postgres]'
    ensure_contrib_opencv
    touch "$stamp"
  fi
}

# ambil needs opencv-contrib (the WeChat QR reader). The plain opencv-python(-headless) wheels
# install the same cv2 package, so with both installed one shadows the other; and removing one
# deletes files of the other, so the contrib wheel is reinstalled after such a removal.
ensure_contrib_opencv() {
  local plain
  plain=$(.venv/bin/python -m pip list --format=freeze 2>/dev/null | grep -ioE '^opencv-python(-headless)?==' | cut -d= -f1 || true)
  if [ -n "$plain" ]; then
    log "removing ${plain//$'\n'/ } (it shadows opencv-contrib-python-headless)"
    # shellcheck disable=SC2086
    .venv/bin/python -m pip uninstall -q -y $plain
    .venv/bin/python -m pip install -q --force-reinstall --no-deps 'opencv-contrib-python-headless>=4.9,<5'
  fi
  .venv/bin/python -c "import cv2; cv2.wechat_qrcode_WeChatQRCode" \
    || { echo "cv2 has no wechat_qrcode: opencv-contrib-python-headless is not the cv2 in .venv" >&2; exit 1; }
}

# The tests use PostgreSQL at $AMBIL_TEST_POSTGRES (default postgres@127.0.0.1:5432/test, trust).
# Where none answers there, start a private throw-away cluster with trust auth instead.
ensure_postgres() {
  local url="${AMBIL_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}"
  if .venv/bin/python - "$url" <<'PY' 2>/dev/null; then
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
    export AMBIL_TEST_POSTGRES="$url"
    return
  fi
  install_system_packages "${PG_PACKAGES[@]}"
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local dir=/tmp/ambil-test-pg
  local as_pg=(sudo -u postgres)
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  if ! "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    log "starting a private PostgreSQL for the tests (port 55432)"
    $SUDO rm -rf "$dir"
    $SUDO install -d -o postgres -g postgres "$dir"
    "${as_pg[@]}" "$bin/initdb" -q -D "$dir" -A trust -U postgres >/dev/null
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
      -o "-p 55432 -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  export AMBIL_TEST_POSTGRES="postgresql://postgres@127.0.0.1:55432/postgres"
}

# A missing program must stop the run here, loudly, and never turn into skipped tests.
check_test_tools() {
  local missing=()
  for tool in "${TEST_TOOLS[@]}"; do
    if [[ "$tool" == /* ]]; then [ -x "$tool" ] || missing+=("$tool")
    else command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    printf '\033[1;31m==> the tests need these programs, which are not installed: %s\033[0m\n' "${missing[*]}" >&2
    echo "    install them (apt-get install ${SYSTEM_PACKAGES[*]} ${TEST_PACKAGES[*]}) and run again" >&2
    exit 1
  fi
}

# With lane.speech = true in the config: espeak-ng, then one WAV per lane state and language
# (ambil speech build). A failure leaves the lane silent, never the install unfinished.
build_speech() {
  [ -r "$CONFIG_FILE" ] || return 0
  .venv/bin/ambil speech enabled --config "$CONFIG_FILE" || return 0
  install_system_packages "${SPEECH_PACKAGES[@]}"
  log "making the lane's spoken prompts (lane.speech is on in $CONFIG_FILE)"
  .venv/bin/ambil speech build --config "$CONFIG_FILE" || log "no spoken prompts: the lane works silently"
}

install_all() {
  install_system_packages "${SYSTEM_PACKAGES[@]}"
  install_python
  build_speech
}

mode="${1:-serve}"
[ $# -gt 0 ] && shift
case "$mode" in
  install)
    install_all ;;
  serve)
    install_all
    exec .venv/bin/ambil serve "$@" ;;
  test)
    install_all
    install_system_packages "${TEST_PACKAGES[@]}"
    check_test_tools
    ensure_postgres
    # the dependency rules of DESIGN section 3 (import-linter, contracts in pyproject.toml):
    # a broken contract fails the run before any test starts
    log "checking the import contracts (lint-imports)"
    .venv/bin/lint-imports
    log "running the tests (PostgreSQL: ${AMBIL_TEST_POSTGRES})"
    exec .venv/bin/python -m pytest "$@" ;;
  *)
    echo "usage: $0 serve|test|install [options]" >&2; exit 2 ;;
esac
