#!/usr/bin/env bash
# Installs what servq's build and tests need on a fresh Debian machine: PostgreSQL (tests run on
# it as well as SQLite), Debian's chromium (browser tests), the Python references (DuckDB, mpmath,
# statsmodels, openpyxl) and schemathesis, poppler-utils (PDF checks), the pinned npm packages of
# web/ (ECharts, playwright-core), a static Chinese font (screenshots, PDF reports), Dovecot (a
# local IMAP server for the e-mail tests), systemd-analyze (the shipped unit's check),
# cargo-nextest.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Chinese glyphs for the screenshots and the PDF report: a static font (typst shows variable
# CJK fonts as boxes; servq looks for this file unless SERVQ_REPORT_FONT names another)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
# pdftotext, pdffonts and pdftoppm check the PDF report in the tests
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v npm >/dev/null || missing+=(nodejs npm)
# a real IMAP server for the e-mail channel's tests (started by scripts/imap-start.sh, local only)
command -v dovecot >/dev/null || missing+=(dovecot-imapd)
# systemd-analyze checks the shipped unit (deploy/servq.service)
command -v systemd-analyze >/dev/null || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt)" >&2
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! python3 -c 'import duckdb, mpmath, statsmodels, schemathesis, openpyxl' 2>/dev/null; then
  echo "installing the DuckDB, mpmath, statsmodels, openpyxl references and schemathesis (pip)" >&2
  python3 -m pip install -q -r tests/reference/requirements.txt 2>/dev/null \
    || python3 -m pip install -q --break-system-packages -r tests/reference/requirements.txt
fi
if [ ! -d web/node_modules/playwright-core ] || [ ! -d web/node_modules/echarts ] || [ ! -d web/node_modules/axe-core ]; then
  echo "installing the pinned npm packages of web/ (npm ci)" >&2
  (cd web && npm ci --no-audit --no-fund --silent)
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "installing cargo-nextest (crates.io)" >&2
  cargo install --locked cargo-nextest >/dev/null
fi
