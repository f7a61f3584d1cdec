# qrpark — every target a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS=":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install qrpark with its pinned dependencies

.PHONY: run
run: $(STAMP) ## Install, migrate the SQLite database, seed the demo lot and serve on $(HOST):$(PORT)
	$(BIN)/qrpark db upgrade
	$(BIN)/qrpark demo
	$(BIN)/qrpark serve --host $(HOST) --port $(PORT)

.PHONY: test
test: $(STAMP) ## Install and run the whole test suite (SQLite always; PostgreSQL when reachable)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: lint
lint: $(STAMP) ## ruff (lint and format check) and mypy --strict on src/
	$(BIN)/ruff check src tests bench training
	$(BIN)/ruff format --check src tests bench training
	$(BIN)/mypy

.PHONY: fmt
fmt: $(STAMP) ## Format the code and apply safe lint fixes
	$(BIN)/ruff format src tests bench training
	$(BIN)/ruff check --fix src tests bench training

.PHONY: bench
BENCH_PACKAGES := tesseract-ocr tesseract-ocr-kor

bench: $(STAMP) ## Run the benchmarks under bench/ and rewrite docs/BENCHMARKS.md (installs Tesseract-kor, a plate baseline)
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx kor || { \
		echo "installing the plate-reading baseline: $(BENCH_PACKAGES)"; \
		if [ "$$(id -u)" -eq 0 ]; then apt-get install -y $(BENCH_PACKAGES); \
		else sudo apt-get install -y $(BENCH_PACKAGES); fi; }
	$(BIN)/python -m bench

.PHONY: clean
clean: ## Remove the virtual environment, caches and the local data folder
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache data test-artifacts

TRAIN_STAMP := $(VENV)/.train-installed
$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,train]"
	@touch $(TRAIN_STAMP)

.PHONY: train-occupancy
train-occupancy: $(TRAIN_STAMP) ## Retrain the occupancy CNN from synthetic patches only (CPU, ~21 min on 2 shared cores) and write its ONNX
	nice -n 10 $(BIN)/python -m training.occupancy.train --seed 7 --width 1.5 --out src/qrpark/occupancy/models/occupancy.onnx

PLATES_SEED ?= 20261124
PLATE_FONTS := fonts-nanum fonts-nanum-extra fonts-noto-cjk fonts-liberation fonts-dejavu-extra

.PHONY: plate-fonts
plate-fonts: ## Install the Debian font packages the plate generators draw with (when missing)
	@test -f /usr/share/fonts/truetype/nanum/NanumSquareB.ttf -a -f /usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf -a -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf || { \
		echo "installing Hangul fonts: $(PLATE_FONTS)"; \
		if [ "$$(id -u)" -eq 0 ]; then apt-get install -y $(PLATE_FONTS); \
		else sudo apt-get install -y $(PLATE_FONTS); fi; }

.PHONY: train-plates
train-plates: $(TRAIN_STAMP) plate-fonts ## Retrain the Korean plate recogniser from scratch on the CPU (seeded, ~40 min)
	nice -n 10 $(BIN)/python -m training.plates.train --seed $(PLATES_SEED)

.PHONY: device-bundle
device-bundle: $(TRAIN_STAMP) plate-fonts ## Pack the plate generators' fonts into .device/ for a lent GPU machine (training/device/plates.sh)
	$(BIN)/python -m training.plates.fonts_bundle .device/fonts.tar.xz

FINDER_SEED ?= 20261202

.PHONY: train-finder
train-finder: $(TRAIN_STAMP) plate-fonts ## Retrain the learned plate finder from synthetic frames on the CPU (seeded, ~25 min)
	nice -n 10 $(BIN)/python -m training.plates.train_finder --seed $(FINDER_SEED)
