# Samvad — the two commands a fresh Debian 12 machine needs: `make run` and `make test`.
# Both install missing Debian packages (platform/debian/install-deps.sh) and build out of tree.
BUILD   ?= build
JOBS    ?= $(shell nproc)
# CI (CI=true) builds with -Werror; a developer's build warns but does not stop.
WERROR  := $(if $(filter true 1 yes,$(CI)),ON,OFF)

.PHONY: all deps build run test bench demo clean

all: build

deps:
	@platform/debian/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMVAD_WERROR=$(WERROR)

build: deps $(BUILD)/CMakeCache.txt
	cmake -S . -B $(BUILD) -DSAMVAD_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# With a display: the kiosk in a window. Without one (a headless machine or CI):
# the scripted demo inside Xvfb, a screenshot of every screen into a folder it names.
run: build
	@tests/support/run.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	@tests/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
