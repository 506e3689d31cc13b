#!/usr/bin/env bash
# Install Request Tracker 5 with its SQLite database and standalone server,
# non-interactively, for the ticket backend tests (tests/backends).
#
# The packages create the database at install time with the login root/password;
# the tests never use it directly: each session starts its own rt-server on a
# free 127.0.0.1 port with a private site config (RT_SITE_CONFIG and
# RT_SITE_CONFIG_DIR) and a copy of this database, so nothing under /etc changes.
set -euo pipefail
PACKAGES=(request-tracker5 rt5-db-sqlite rt5-standalone)
DB=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ ${#missing[@]} -gt 0 ]; then
  # Answers for the questions dbconfig-common and RT would ask.
  $SUDO debconf-set-selections <<'EOF'
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/initial-root-password password password
request-tracker5 request-tracker5/rtname string tokohelp-ci
request-tracker5 request-tracker5/organization string tokohelp.invalid
request-tracker5 request-tracker5/correspondaddress string rt@tokohelp.invalid
request-tracker5 request-tracker5/commentaddress string rt-comment@tokohelp.invalid
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1
request-tracker5 request-tracker5/webpath string /rt
request-tracker5 request-tracker5/install-cronjobs boolean false
EOF
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

test -x /usr/share/request-tracker5/libexec/rt-server || {
  echo "install-rt: rt-server is missing after install" >&2; exit 1; }
test -s "$DB" || { echo "install-rt: $DB was not created" >&2; exit 1; }

# The tests copy the database; let a non-root test runner read the pristine copy.
if [ ! -r "$DB" ]; then
  $SUDO chmod o+rx "$(dirname "$DB")"
  $SUDO chmod o+r "$DB"
fi
echo "install-rt: Request Tracker 5 ready ($DB)"
