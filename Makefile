# The two commands: `make run` (demo portal) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
OS_PACKAGES := fonts-noto-cjk chromium chromium-driver gettext xmlsec1
# Needed to build PyICU (pulled in by rigour, the legal-form normaliser of the screening) from source.
BUILD_PACKAGES := libicu-dev pkg-config g++
ADDR ?= 127.0.0.1:8000

.PHONY: run test venv deps test-deps os-deps build-deps migrate demo messages check-messages lint ci bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

deps: venv build-deps
	$(PIP) install --quiet -e .

test-deps: venv build-deps
	$(PIP) install --quiet -e '.[test]'

# apt-get install the Debian packages named in $(1) that are missing; fail loudly if it cannot.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing OS packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing \
	    || { echo "ERROR: could not install$$missing" >&2; exit 1; }; \
	fi
endef

# Debian packages that Python dependencies compile against.
build-deps:
	$(call apt_install,$(BUILD_PACKAGES))

# Debian packages the tests need (PDF fonts, headless Chromium, gettext, xmlsec1 for the test
# SAML IdP).
os-deps:
	$(call apt_install,$(OS_PACKAGES))

migrate: deps
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo_setup

# Run the portal with demo data on the embedded default (SQLite, filesystem broker).
run: demo
	$(PY) manage.py runportal $(ADDR)

# Install what the tests need and run the whole suite (uses DATABASE_URL when set).
test: test-deps os-deps
	$(PY) -m pytest $(PYTEST_ARGS)

lint: test-deps
	$(VENV)/bin/ruff check .

messages: venv
	$(PY) manage.py makemessages -l ja --no-location --ignore=.venv --ignore=var --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

check-messages: venv
	$(PY) .ci/check_translations.py

bench-quick: test-deps
	$(PY) bench/run.py --quick

bench: test-deps
	$(PY) bench/run.py

ci:
	bash .ci/run

clean:
	rm -rf var/ $(VENV)
