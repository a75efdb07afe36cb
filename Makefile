# Accord: `make run` starts the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench install install-dev assets browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3

# Installs are stamped so that a second `make run` starts at once.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Front-end libraries of the web console (docs/console.md): installed from npm's lock file,
# copied where the service serves them; nothing is fetched from a CDN at run time.
VENDOR := src/accord/service/web/static/vendor
VENDOR_FILES := \
	frontend/node_modules/plotly.js-dist-min/plotly.min.js \
	frontend/node_modules/d3-array/dist/d3-array.min.js \
	frontend/node_modules/d3-geo/dist/d3-geo.min.js \
	frontend/node_modules/topojson-client/dist/topojson-client.min.js \
	frontend/node_modules/world-atlas/land-110m.json \
	frontend/node_modules/world-atlas/countries-110m.json
# CesiumJS for the globe: its whole built folder (Cesium.js, Workers, Assets with the
# NaturalEarthII imagery tiles, Widgets CSS), which Cesium loads relative to itself.
CESIUM_BUILD := frontend/node_modules/cesium/Build/Cesium
# Cesium.js runs two eval()s when it loads, which the console's policy (no 'unsafe-eval')
# refuses (CesiumGS/cesium issue 13412): Knockout's `(0,eval)("this")` to find the global
# object, uncaught, so Cesium fails to load; and protobufjs's probe for Node's `require`
# (protobufjs issue 997), caught but logged as a violation. The copy gets their browser
# outcomes instead: `globalThis`, and `undefined(...)`, which throws inside the same try.

$(VENDOR)/.installed: frontend/package.json frontend/package-lock.json Makefile
	@command -v npm >/dev/null 2>&1 || { echo "make assets: npm is not installed; the web console needs Node.js 20+ with npm (Debian: apt-get install nodejs npm), then run make again" >&2; exit 1; }
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	rm -rf $(VENDOR)/cesium
	cp -R $(CESIUM_BUILD) $(VENDOR)/cesium
	sed -i -e 's|(0,eval)("this")|globalThis|g' \
		-e 's|eval("quire"\.replace(/^/,"re"))|undefined|g' $(VENDOR)/cesium/Cesium.js
	@! grep -qE 'eval\("this"\)|"quire"' $(VENDOR)/cesium/Cesium.js || { echo "make assets: an eval() in Cesium.js changed shape; update the sed above (see the comment)" >&2; exit 1; }
	touch $@

assets: $(VENDOR)/.installed

# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get install -y --no-install-recommends chromium || \
		{ apt-get update && apt-get install -y --no-install-recommends chromium; }; \
	else echo "make browser: /usr/bin/chromium is missing and this is not root; install Debian's package with 'sudo apt-get install chromium' (browser tests skip without it)" >&2; fi

run: install assets
	$(BIN)/accord serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install-dev lint assets browser
	$(BIN)/pytest -n 2

bench: install-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache frontend/node_modules $(VENDOR)
