# The two commands of the README: `make run` and `make test`; `make lint` before a commit.
.PHONY: run test lint setup bench translations

run:
	scripts/run.sh

test:
	scripts/test.sh

# ruff's rules and mypy on the public surface for plugins (settings in pyproject.toml).
# `ruff format --check` fails until the integrator formats the code base once, after the
# sprint's merges; nobody runs `ruff format` over the whole tree before that.
lint:
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/ruff format --check .

setup:
	scripts/setup.sh

bench:
	scripts/setup.sh test && .venv/bin/python -m bench.run_all

# Extract the interface strings and update every catalogue (then translate the new ones).
translations:
	.venv/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o lms_core/translations/messages.pot lms_core
	.venv/bin/pybabel update -i lms_core/translations/messages.pot -d lms_core/translations --no-fuzzy-matching
