# The two commands of the README: `make run` and `make test`. Both create and use .venv/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails point at the server `make run` starts (PORT=8001 make run: links to :8001).
SITE_URL ?= http://$(HOST):$(PORT)

BENCH_ARGS ?= --scales 0.01,0.1

.PHONY: run test install migrate demo messages lint worker beat bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	SITE_URL="$(SITE_URL)" $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Recompile translations after editing locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages --locale nl --locale en --ignore ".venv/*" --ignore "tests/*"
	$(PY) manage.py compilemessages --ignore ".venv/*"

lint: install
	$(PY) -m ruff check .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=info

# Fill fresh databases at two scales of DESIGN section 11 and time every page (README: Benchmark).
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)
