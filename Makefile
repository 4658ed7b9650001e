# The two commands of the README: `make run` and `make test`.
.PHONY: run test setup bench translations

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh

bench:
	scripts/setup.sh test && .venv/bin/python -m bench.run_all

# Extract the interface strings and update every catalogue (then translate the new ones).
translations:
	.venv/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o lms_core/translations/messages.pot lms_core
	.venv/bin/pybabel update -i lms_core/translations/messages.pot -d lms_core/translations --no-fuzzy-matching
