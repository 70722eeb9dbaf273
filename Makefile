# The commands people need. `make serve` and `make test` each set up everything first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build check test lint clean verifier bench properdocs-sample

serve: $(VENV)/.installed
	$(BIN)/python build.py serve

build: $(VENV)/.installed
	$(BIN)/python build.py build

check: $(VENV)/.installed
	$(BIN)/python build.py check

# Issue 19's table (bench/scale.py): the district against the tuned MkDocs build, rebuilds, memory,
# stage times, time per added award; about 15 minutes on 2 cores. ARGS=--state for the state size
# (long); ARGS=--help for options.
bench: $(VENV)/.installed
	$(BIN)/python bench/scale.py $(ARGS)

test: $(VENV)/.installed-test node_modules/.installed /usr/bin/chromium /usr/bin/zbarimg /usr/sbin/nginx .venv-referee/.installed tests/referee/ob3/node_modules/.installed \
		.venv-properdocs/.installed
	$(BIN)/ruff check plugins tests bench build.py
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check plugins tests bench build.py
	$(BIN)/ruff format --check plugins tests bench build.py
	$(BIN)/mypy

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# ProperDocs, the maintained fork of MkDocs 1.6 (issue 13), in a venv of its own. Material
# requires the mkdocs package, so both are installed there; Cairn runs ProperDocs when it is
# installed (CAIRN_ENGINE=mkdocs|properdocs overrides: plugins/cairn/adapters/mkdocs/engine.py).
PROPERDOCS := properdocs==1.6.7
.venv-properdocs/.installed: pyproject.toml
	rm -rf .venv-properdocs
	$(PYTHON) -m venv .venv-properdocs
	.venv-properdocs/bin/python -m pip install --quiet --upgrade pip
	.venv-properdocs/bin/python -m pip install --quiet '$(PROPERDOCS)' -e .
	touch $@

# The sample built with ProperDocs, in a copy (.site-properdocs/site/); tests/test_properdocs.py
# checks it equals the MkDocs build except the generator meta tag.
properdocs-sample: .venv-properdocs/.installed
	rm -rf .site-properdocs && mkdir .site-properdocs
	cp -R catalog earners theme content mkdocs.yml .site-properdocs/
	cd .site-properdocs && CAIRN_ENGINE=properdocs ../.venv-properdocs/bin/python ../build.py build
	@grep -q 'name="generator" content="mkdocs-ProperDocs' .site-properdocs/site/index.html \
		|| { echo "error: that build ran MkDocs, not ProperDocs (see plugins/cairn/adapters/mkdocs/engine.py)"; exit 1; }

# The Open Badges 2.0 validator pins old libraries: it gets a venv of its own.
.venv-referee/.installed: tests/referee/requirements.txt
	rm -rf .venv-referee
	PYTHON311=$(PYTHON) bash tests/referee/make_venv.sh .venv-referee
	touch $@

# The Open Badges 3.0 referee: the DCC verifier libraries, pinned by their own lock.
tests/referee/ob3/node_modules/.installed: tests/referee/ob3/package.json tests/referee/ob3/package-lock.json
	cd tests/referee/ob3 && npm ci --no-audit --no-fund
	touch $@

# Rebuild theme/assets/vendor/dcc-verifier.js from the pinned libraries (commit the result).
verifier: tests/referee/ob3/node_modules/.installed
	node scripts/build-verifier.mjs

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium, driven by Playwright; never `playwright install` (no browser downloads here).
/usr/bin/chromium:
	@command -v apt-get >/dev/null || { echo "install Chromium at /usr/bin/chromium (Debian: apt-get install chromium)"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	test -x /usr/bin/chromium

# A real QR decoder, to read back the QR codes the build prints.
/usr/bin/zbarimg:
	@command -v apt-get >/dev/null || { echo "install zbarimg (Debian: apt-get install zbar-tools)"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools >/dev/null
	test -x /usr/bin/zbarimg

# A real web server, configured as the README says, to serve the credentials wallets read.
/usr/sbin/nginx:
	@command -v apt-get >/dev/null || { echo "install nginx (Debian: apt-get install nginx-light)"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
	test -x /usr/sbin/nginx

clean:
	rm -rf $(VENV) .venv-referee .venv-properdocs .site-properdocs node_modules tests/referee/ob3/node_modules site build .site-build-* .site-old-*
