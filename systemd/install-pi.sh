#!/usr/bin/env bash
# Take a fresh Raspberry Pi OS Lite (bookworm) to a running ambil lane. Safe to run again.
#
#   sudo systemd/install-pi.sh --office-url https://office.mpp.example --lane-key amk_... \
#        [--lane-id lane-1] [--lane-name "Lajur 1"] [--printer-queue lane-printer] [--camera] [--no-kiosk]
#        [--office-ca office-ca.pem]   (an https office with a private CA: copied to /etc/ambil)
#
# Without --office-url / --lane-key it asks. It: installs the system packages, creates the users
# ambil (service) and ambil-kiosk (screen), copies this checkout to /opt/ambil and runs
# ./setup.sh install there, writes /etc/ambil/ambil.toml (kept if it exists), checks it, installs
# the units and udev rules, enables and starts them, and prints the lane screen URL.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=/opt/ambil
CONF_DIR=/etc/ambil
CONF="$CONF_DIR/ambil.toml"
OFFICE_URL=""
OFFICE_CA=""
LANE_KEY=""
LANE_ID="lane-1"
LANE_NAME="Lajur 1"
PRINTER_QUEUE=""
CAMERA=0
KIOSK=1

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --office-url) OFFICE_URL="$2"; shift 2 ;;
    --office-ca) OFFICE_CA="$2"; shift 2 ;;
    --lane-key) LANE_KEY="$2"; shift 2 ;;
    --lane-id) LANE_ID="$2"; shift 2 ;;
    --lane-name) LANE_NAME="$2"; shift 2 ;;
    --printer-queue) PRINTER_QUEUE="$2"; shift 2 ;;
    --camera) CAMERA=1; shift ;;
    --no-kiosk) KIOSK=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "run as root: sudo $0 $*" >&2
  exit 1
fi

say() { printf '\n==> %s\n' "$*"; }

# -- packages --------------------------------------------------------------------------------
say "system packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
PACKAGES=(python3-lgpio liblgpio-dev swig cups rsync ca-certificates)
if [ "$KIOSK" = 1 ]; then
  PACKAGES+=(cage fonts-noto-core)
  # Raspberry Pi OS calls it chromium-browser (newer images: chromium); Debian calls it chromium
  if apt-cache show chromium >/dev/null 2>&1; then PACKAGES+=(chromium); else PACKAGES+=(chromium-browser); fi
fi
apt-get install -y -q "${PACKAGES[@]}"

# -- users -----------------------------------------------------------------------------------
say "users"
for group in gpio dialout video lpadmin; do
  getent group "$group" >/dev/null || groupadd --system "$group"
done
if ! id ambil >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/ambil --no-create-home --shell /usr/sbin/nologin ambil
fi
usermod -aG gpio,dialout,video,lpadmin ambil
if [ "$KIOSK" = 1 ] && ! id ambil-kiosk >/dev/null 2>&1; then
  useradd --create-home --shell /usr/sbin/nologin --groups video,render,input ambil-kiosk 2>/dev/null \
    || useradd --create-home --shell /usr/sbin/nologin --groups video ambil-kiosk
fi

# -- code ------------------------------------------------------------------------------------
say "code in $PREFIX"
if [ "$SRC" != "$PREFIX" ]; then
  mkdir -p "$PREFIX"
  rsync -a --delete --exclude .venv --exclude .git --exclude '__pycache__' "$SRC/" "$PREFIX/"
fi
(cd "$PREFIX" && ./setup.sh install)
# gpiozero's pin library inside the venv (builds against liblgpio from apt)
"$PREFIX/.venv/bin/pip" install -q lgpio || echo "warning: lgpio not installed in the venv (GPIO lockers need it)" >&2
AMBIL="$PREFIX/.venv/bin/ambil"

# -- config ----------------------------------------------------------------------------------
say "configuration $CONF"
install -d -m 0750 -o root -g ambil "$CONF_DIR"
if [ -f "$CONF" ]; then
  echo "keeping the existing $CONF"
else
  if [ -z "$OFFICE_URL" ]; then read -r -p "office URL (e.g. https://office.mpp.example): " OFFICE_URL; fi
  if [ -z "$LANE_KEY" ]; then read -r -s -p "lane API key (ambil apikey create --role lane --lane $LANE_ID): " LANE_KEY; echo; fi
  if [ -z "$OFFICE_URL" ] || [ -z "$LANE_KEY" ]; then echo "an office URL and a lane key are needed" >&2; exit 2; fi
  scanner=sim; printer=sim; queue_line=""; ca_line=""
  if [ -n "$OFFICE_CA" ]; then
    # the CA certificate is public; the lane (user ambil) reads it at every start
    install -m 0644 -o root -g root "$OFFICE_CA" "$CONF_DIR/office-ca.pem"
    ca_line="office_ca_file = \"$CONF_DIR/office-ca.pem\""
  fi
  if [ "$CAMERA" = 1 ]; then scanner=camera; fi
  if [ -n "$PRINTER_QUEUE" ]; then printer=cups; queue_line="queue = \"$PRINTER_QUEUE\""; fi
  escape() { printf '%s' "$1" | sed -e 's/[\\"]/\\&/g' -e 's/[&|]/\\&/g'; }
  tmp="$(mktemp)"
  sed -e "s|@LANE_ID@|$(escape "$LANE_ID")|" -e "s|@LANE_NAME@|$(escape "$LANE_NAME")|" \
      -e "s|@OFFICE_URL@|$(escape "$OFFICE_URL")|" -e "s|@API_KEY@|$(escape "$LANE_KEY")|" \
      -e "s|@SCANNER@|$scanner|" -e "s|@PRINTER@|$printer|" -e "s|@PRINTER_QUEUE@|$queue_line|" \
      -e "s|@OFFICE_CA@|$ca_line|" \
      "$PREFIX/systemd/ambil-lane.template.toml" > "$tmp"
  install -m 0640 -o root -g ambil "$tmp" "$CONF"
  rm -f "$tmp"
fi
"$AMBIL" config check "$CONF"

# -- units and udev --------------------------------------------------------------------------
say "systemd units and udev rules"
install -m 0644 "$PREFIX/systemd/99-ambil.rules" /etc/udev/rules.d/99-ambil.rules
if udevadm control --reload; then udevadm trigger || true; fi
install -m 0644 "$PREFIX/systemd/ambil-lane.service" /etc/systemd/system/ambil-lane.service
if [ -f /etc/systemd/system/ambil.service ]; then  # the unit of earlier versions
  systemctl disable --now ambil.service || true
  rm -f /etc/systemd/system/ambil.service
fi
if [ "$KIOSK" = 1 ]; then
  browser="$(command -v chromium || command -v chromium-browser)"
  ln -sf "$browser" /usr/local/bin/ambil-browser
  install -m 0644 "$PREFIX/systemd/ambil-kiosk.service" /etc/systemd/system/ambil-kiosk.service
fi
systemctl daemon-reload
systemctl enable --now cups.service
systemctl enable ambil-lane.service
systemctl restart ambil-lane.service
if [ "$KIOSK" = 1 ]; then
  systemctl set-default graphical.target
  systemctl enable ambil-kiosk.service
  systemctl restart ambil-kiosk.service
fi

# -- check -----------------------------------------------------------------------------------
say "ambil doctor"
runuser -u ambil -- "$AMBIL" doctor --config "$CONF" || echo "(fix what doctor reports, then: sudo systemctl restart ambil-lane)"
say "done"
echo "lane screen:  http://127.0.0.1:8080/lane   (on the Pi's display: ambil-kiosk.service)"
echo "logs:         journalctl -u ambil-lane -f"
echo "status:       $AMBIL lane status"
