#!/usr/bin/env bash
# Install the core, every plugin under plugins/ and the examples (editable) into .venv,
# fetch the front-end files from the npm registry and compile the translations.
# Idempotent: run it again after pulling.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
extras=${1:-}

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# setuptools 70.1+ builds editable wheels itself (bdist_wheel), which `lms plugins new`
# distributions need when installed with --no-build-isolation (tests/test_plugin_template.py).
"$VENV/bin/python" -m pip install --quiet --upgrade pip "setuptools>=70.1"
packages=(-e ".${extras:+[$extras]}")
for dir in plugins/*/ examples/*/; do
  [ -f "$dir/setup.cfg" ] || [ -f "$dir/pyproject.toml" ] || continue
  # With the test extra, each plugin's own test dependencies come too (only a plugin
  # that declares the extra gets it: pip warns about an extra a distribution lacks).
  if [ -n "$extras" ] && grep -qs "^$extras =" "$dir/setup.cfg"; then
    packages+=(-e "$dir[$extras]")
  else
    packages+=(-e "$dir")
  fi
done
"$VENV/bin/python" -m pip install --quiet "${packages[@]}"

# Socket.IO's browser client, Chart.js (the analytics plugin's charts) and axe-core (the
# browser tests' accessibility checks, never served), from the npm registry (not kept
# in the repository).
CHART_JS=plugins/analytics/lms_analytics/static/vendor/chart.umd.min.js
# scorm-again: the runtime API (window.API, window.API_1484_11) of the SCORM plugin's player.
SCORM_AGAIN=plugins/scorm_xapi/lms_scorm_xapi/static/vendor/scorm-again.min.js
AXE_JS=tests/vendor/axe.min.js
if [ ! -f lms_core/static/vendor/socket.io.min.js ] || [ package.json -nt lms_core/static/vendor/socket.io.min.js ] \
   || [ ! -f "$AXE_JS" ] || [ package.json -nt "$AXE_JS" ] \
   || { [ -d plugins/analytics ] && { [ ! -f "$CHART_JS" ] || [ package.json -nt "$CHART_JS" ]; }; } \
   || { [ -d plugins/scorm_xapi ] && { [ ! -f "$SCORM_AGAIN" ] || [ package.json -nt "$SCORM_AGAIN" ]; }; }; then
  npm install --no-audit --no-fund --silent
  mkdir -p lms_core/static/vendor
  cp node_modules/socket.io-client/dist/socket.io.min.js lms_core/static/vendor/
  mkdir -p "$(dirname "$AXE_JS")"
  cp node_modules/axe-core/axe.min.js "$AXE_JS"
  if [ -d plugins/analytics ]; then
    mkdir -p "$(dirname "$CHART_JS")"
    cp node_modules/chart.js/dist/chart.umd.min.js "$CHART_JS"
  fi
  if [ -d plugins/scorm_xapi ]; then
    mkdir -p "$(dirname "$SCORM_AGAIN")"
    cp node_modules/scorm-again/dist/scorm-again.min.js "$SCORM_AGAIN"
  fi
fi

# Compiled catalogues (.mo) are build output; the .po files are the source.
for dir in lms_core/translations plugins/*/lms_*/translations examples/*/*/translations; do
  [ -d "$dir" ] || continue
  # Babel 2.19 has no -q; --statistics-free output is one line per catalogue.
  "$VENV/bin/pybabel" compile --use-fuzzy -d "$dir"
done

# The xAPI tests' LRS: ralph (ralph-malph) in a virtual environment of its own, in a
# cache folder outside the repository (built once; the tests build it too when missing).
if [ "$extras" = "test" ] && [ -f plugins/scorm_xapi/tests/xapi_ralph.py ]; then
  "$VENV/bin/python" plugins/scorm_xapi/tests/xapi_ralph.py --install
fi
