# Entry points; the logic lives in scripts/.
.PHONY: serve test

# Set up a development instance (venv, migrations, demo data, admin user) and run it.
serve:
	bash scripts/serve.sh

# Lint and run the test suite on SQLite, PostgreSQL and MariaDB.
# make test DB=sqlite|postgres|mariadb runs one backend; PYTEST_ARGS="..." passes pytest options.
test:
	DB="$(DB)" PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test.sh
