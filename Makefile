# Two commands on a fresh Debian machine with Python 3.11: `make demo` and `make test`.
# Each installs what it needs (Debian packages, a venv with the pinned toolchain) and is idempotent.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Debian's own Python 3.11 first: it is built with PGO and LTO, and Ansible's controller (start-up, every task)
# runs 10-15% faster on it than on a plain source build such as pyenv's, which may come first on PATH.
PYTHON ?= $(shell command -v /usr/bin/python3.11 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export SIAK_LAB_DIR ?= $(CURDIR)/.lab
export SIAK_OUTPUT_DIR ?= $(CURDIR)/out
# Debian packages the lab and the tests use; installed only when one is missing.
DEB_PACKAGES := python3-venv openssh-server openssh-client openssl sshpass rsync zstd age poppler-utils util-linux iproute2 procps
# Step 4 with libvirt: virsh, and a libvirtd (LXC driver) that tests/integration/test_power.py runs.
DEB_PACKAGES += libvirt-clients libvirt-daemon libvirt-daemon-driver-lxc
# The Laporan PDF (WeasyPrint): Pango, HarfBuzz subsetting and a font with the SOP table's marks.
DEB_PACKAGES += libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# Lint of the shipped shell scripts (make lint, ansible-test sanity's shellcheck).
DEB_PACKAGES += shellcheck
COLLECTION_LINK := build/collections/ansible_collections/dukcapil/siak
COLLECTION_VERSION := $(shell awk '/^version:/ {print $$2}' galaxy.yml)
WORKSTATIONS ?= 4
# Integration test files run in this many pytest-xdist workers (one file stays on one worker: its
# module-scoped lab is built once). Much of a lab test is waiting on SSH, sleeps and timeouts.
TEST_WORKERS ?= 2

.PHONY: help setup system demo test lint unit integration molecule build sanity importer bundle bundle-test install-test bench lab-up lab-down clean ee

help:
	@echo "make demo   set everything up, start the lab and run the SIAK upgrade SOP against it"
	@echo "make test   set everything up and run every test and gate"
	@echo "make bundle build/dist/dukcapil-siak-bundle-*.tar.gz: everything to install with no network (README, Install)"
	@echo "make lab-up / make lab-down / make bench / make clean"

setup: system $(VENV)/.installed $(COLLECTION_LINK)

system:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements.txt requirements-runtime.txt pyproject.toml tests/lab/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e . -e tests/lab
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@) && ln -sfn ../../../.. $@

lab-up: setup
	siak-lab up --workstations $(WORKSTATIONS) --power-peers

lab-down:
	@if [ -x $(BIN)/siak-lab ]; then siak-lab down; fi

# The demo runs the whole of SOP-PIAK-15 with siak-sop, from the SIAK VM powered off to SIAK 2.0 on the
# server, the proxy and every lab PC (a demo client package, steps 9 and 10), and ends by printing where
# the Laporan PDF and the day's Buku Agenda page are. A second `make demo` reruns it (nothing changes).
DEMO_RELEASES := build/releases
DEMO_CLIENT := $(DEMO_RELEASES)/siak-client-2.0.tar.gz
demo: setup lab-up
	@test -e $(DEMO_CLIENT) || siak-lab release --demo --out $(DEMO_RELEASES) >/dev/null
	@echo "The office before the upgrade: SIAK 1.0 on the SIAK VM (installed on the first demo), the VM off."
	siak-lab start siak-vm
	siak-lab exec siak-vm -- test -e /opt/siak/app/current || \
	  ansible-playbook playbooks/server_upgrade.yml -e siak_lab_release_version=1.0
	siak-lab stop siak-vm
	@mkdir -p build
	@set +e; SIAK_PROGRESS=plain siak-sop run upgrade \
	  -e client_rollout_version=2.0 -e client_rollout_package_path=$(CURDIR)/$(DEMO_CLIENT) \
	  -e client_rollout_package_sha256=$$(cut -d' ' -f1 $(DEMO_CLIENT).sha256) -e client_rollout_transfer=push \
	  | tee build/demo-run.txt; code=$${PIPESTATUS[0]}; \
	echo; echo "Demo done, exit code $$code (the outcome line above says what it means); the lab is up ($(SIAK_LAB_DIR))."; \
	sed -n 's/^Laporan: \(.*\.pdf\)$$/The Laporan (PDF): \1/p' build/demo-run.txt; \
	sed -n 's/^Buku Agenda hari ini: /The Buku Agenda page (PDF): /p' build/demo-run.txt; \
	echo "Stop the lab with: make lab-down"; test $$code -eq 0 -o $$code -eq 4

lint: setup
	yamllint -s .
	ruff check .
	ruff format --check .
	ansible-lint
	tests/lint/shellcheck.sh
	tests/lint/changelog.sh

unit: setup
	pytest -q tests/unit

integration: setup
	pytest -q -n $(TEST_WORKERS) --dist loadfile tests/integration

molecule: setup
	molecule test --all

build: setup
	ansible-galaxy collection build --force --output-path build/dist .

# The AWX execution environment's build context (docs/awx.md); `ansible-builder build` needs a container engine.
ee: build
	rm -rf build/ee && mkdir -p build/ee/collection
	cp build/dist/dukcapil-siak-$(COLLECTION_VERSION).tar.gz build/ee/collection/dukcapil-siak.tar.gz
	ansible-builder create -f execution-environment.yml --context build/ee/context --output-filename Containerfile

sanity: build
	tests/sanity/run.sh

# Galaxy's own checks on the built tarball (metadata, docs, ansible-lint), with no warning allowed.
importer: build
	tests/importer/run.sh

# One archive for an office without internet: wheels, collection tarballs, install.sh (bundle/build.sh).
bundle: setup
	@mkdir -p build/dist
	bundle/build.sh

# The bundle installed in a network namespace with no network, then used from an empty folder.
bundle-test: bundle
	tests/bundle/run.sh

# A collection user's path: the tarball and the wheel installed fresh, run by FQCN and by siak-sop from
# an empty folder against a lab; outputs only in ./siak-sop-out, nothing written into the collection.
install-test: bundle
	tests/install/run.sh

test: setup lint unit integration molecule sanity importer ee bundle-test install-test
	@echo "make test: every gate passed"

bench: setup
	@shopt -s nullglob; for b in bench/bench_*.py; do echo "== $$b"; python $$b; done

clean: lab-down
	rm -rf build out .pytest_cache .ruff_cache
