#!/usr/bin/env bash
# Set up, migrate, load the demo data and serve on http://127.0.0.1:5000
# (SQLite in ./instance, no Redis needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=lms_core.app:create_app
# The product's plugins; the tutorial's (examples/lms-plugin-hello) stays installed for the
# test suite but is not served (its "Greetings" menu item is not for users).
export LMS_PLUGINS="${LMS_PLUGINS:-assignments,certificates,gamification,notifications,zoom,payments,analytics,scorm_xapi,chat}"
.venv/bin/lms db upgrade
.venv/bin/lms demo
exec .venv/bin/lms run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
