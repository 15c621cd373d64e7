#!/bin/sh
# Installs the Debian packages Sala needs. Usage: scripts/deps.sh run|test|bench|deb
# Only missing packages are installed; apt-get runs via sudo when not root.
set -e
RUN="build-essential pkg-config libcivetweb-dev libsqlite3-dev sqlite3 libpq-dev libarchive-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libxlsxwriter-dev
libgd-dev libyaml-dev libsodium-dev zlib1g-dev libraqm-dev libfreetype-dev libqrencode-dev libhpdf-dev
libunistring-dev libcsv-dev libpng-dev libjansson-dev libpwquality-dev libxml2-dev cracklib-runtime fonts-khmeros fonts-noto-core
libpango1.0-dev libcairo2-dev"
TEST="libcmocka-dev python3 poppler-utils zbar-tools chromium nodejs npm clang libclang-rt-14-dev zip unzip
debhelper dpkg-dev nginx openssl curl adduser systemd postgresql-15 python3-psycopg2 clang-format cppcheck libreoffice-calc-nogui python3-openpyxl"
DEB="debhelper dpkg-dev"
BENCH="wrk clang"
case "$1" in
run) want="$RUN" ;;
test) want="$RUN $TEST" ;;
bench) want="$RUN $BENCH" ;;
deb) want="$RUN $DEB" ;;
*) echo "usage: $0 run|test|bench|deb" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	case "$p" in
	nodejs|npm) command -v "$p" >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
