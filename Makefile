# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/cartable
REDIS_TEST_URL ?= redis://127.0.0.1:6379/14
DEPLOY_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') DJANGO_ALLOWED_HOSTS=cartable.example CARTABLE_LEDGER_KEY=check-deploy-$$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

.PHONY: run test install system-deps lint typecheck check-deploy compose-check messages pytest pytest-postgres bench bench-scale-data

$(BIN)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

install: $(BIN)/.installed system-deps node_modules/.installed

# The W3C HTML checker (tests/portal/test_html_valid.py); skipped by the tests where npm is absent.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the HTML validity test will skip"; fi

system-deps:
	@scripts/install-system-deps.sh

messages: install
	@if [ -d locale ] && command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules; fi

run: install messages
	CARTABLE_DEMO=1 $(BIN)/python manage.py migrate --no-input -v0
	CARTABLE_DEMO=1 $(BIN)/python manage.py createcachetable
	CARTABLE_DEMO=1 $(BIN)/python manage.py seed_demo
	CARTABLE_DEMO=1 $(BIN)/python manage.py rundev 0.0.0.0:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with django-stubs over the app packages (pyproject.toml: strict on services and selectors).
typecheck: install
	$(BIN)/mypy

check-deploy: install
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run -v0

compose-check: install
	@if command -v docker-compose >/dev/null; then \
		docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"; \
	else echo "docker-compose.yml NOT checked: Debian's docker-compose is missing" >&2; exit 1; fi

# Two xdist workers (the machine's two cores); worker N uses the Redis database REDIS_TEST_URL + N.
PYTEST := $(BIN)/pytest -p no:cacheprovider -n 2

pytest: install messages
	$(PYTEST)

pytest-postgres: install messages
	@if $(BIN)/python scripts/services-available.py; then \
		echo "PostgreSQL and Redis answer on loopback: the suite once more on them"; \
		DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(PYTEST); \
	else echo "SKIPPED the PostgreSQL/Redis pass: nothing answers on 127.0.0.1:5432 and :6379"; fi

test: lint typecheck check-deploy compose-check pytest pytest-postgres

# PostgreSQL and Redis on loopback (scratch databases cartable_bench_*, Redis database 10 empty).
# bench/stall.py needs the full-size database of bench/scale_load.py: see bench/README.md.
# Issue 10's figures in one run: logins/s against Django's Argon2, the floors, and every page at
# demo size and at 100,000 people (`bench-scale-data` makes the two databases once, ~4 minutes).
bench: install messages
	$(BIN)/python bench/login_throughput.py
	$(BIN)/python bench/floors.py
	@if $(BIN)/python bench/scale_load.py --exists bench_scale_full bench_scale_demo; then \
		for db in bench_scale_demo bench_scale_full; do \
			DATABASE_URL=postgres://postgres@127.0.0.1:5432/$$db $(BIN)/python manage.py migrate -v0 || exit 1; \
		done; \
		$(BIN)/python bench/scale_pages.py --demo bench_scale_demo --full bench_scale_full --runs 3; \
	else echo "Scale table skipped: run 'make bench-scale-data' once to load bench_scale_full"; fi

bench-scale-data: install messages
	$(BIN)/python bench/scale_load.py --prepare --replace --database bench_scale_full --demo-copy bench_scale_demo
