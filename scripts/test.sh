#!/usr/bin/env bash
# Install everything (with Debian's chromium for the browser tests and poppler-utils,
# whose pdftoppm renders certificates for the QR code test) and run the whole
# suite twice: on SQLite without Redis, then on PostgreSQL + Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
  fi
fi

echo "== screenshots of the browser tests are kept in ${LMS_TEST_ARTIFACTS:-test-artifacts}/screenshots/"
# --durations: each pass ends with its slowest tests, to keep the whole command within
# its time budget (about 30 minutes on 2 cores).
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --durations=15 "$@")

echo "== suite on SQLite, jobs inline (no Redis)"
env -u LMS_TEST_DATABASE_URL -u LMS_TEST_REDIS_URL "${PYTEST[@]}"

echo "== suite on PostgreSQL + Redis"
LMS_TEST_DATABASE_URL=${LMS_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
LMS_TEST_REDIS_URL=${LMS_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
  "${PYTEST[@]}"
