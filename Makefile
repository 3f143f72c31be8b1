# Rights Companion: the commands a newcomer needs. Everything installs what it needs first.
.DEFAULT_GOAL := help
SHELL := /bin/bash

.PHONY: help setup train run shell test test-load results lint review eval clean bench run-scaled

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## make .venv (Python 3.10) and install the pinned runtime
	@scripts/setup.sh

train: setup  ## train the model if config, domain or data changed
	@scripts/train.sh >/dev/null

run:  ## install, train if needed and start every process (Ctrl-C stops them)
	@scripts/run.sh

shell: setup  ## chat in the terminal (starts its own action server)
	@scripts/shell.sh

test:  ## install test tools and run every test (unit, conversation, NLU, end-to-end, browser)
	@scripts/test.sh

test-load:  ## load and fault tests: 50 chats for 2 minutes, action server and Redis failures (results/load.json)
	@scripts/test-load.sh

results:  ## re-measure and update the tracked numbers in results/ (held-out NLU, crisis, hostile input, scaling)
	@RC_RESULTS_DIR="$(CURDIR)/results" scripts/test.sh tests/test_understanding.py tests/test_hostile_input.py \
	  tests/test_scale_out.py

lint:  ## ruff checks and formatting
	@scripts/setup.sh --dev && .venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: setup  ## benchmark against Rasa's starter bot (results/bench.md); ARGS="--repetitions 1" for a quick run
	@.venv/bin/python scripts/bench.py $(ARGS)

run-scaled:  ## Redis + 2 Rasa replicas and action servers behind nginx on loopback (REPLICAS=3 for more)
	@scripts/run_scaled.sh

review: setup  ## list answers and services due a check; fails if a crisis service is 3+ months old (CONTENT.md)
	@.venv/bin/python scripts/review_content.py

eval:  ## score the running assistant (make run first) on the shared public cases
	@.venv/bin/python ../shared/eval/run_eval.py ../shared/eval/public_cases.yml --show-failures

clean:  ## remove trained models and caches (keeps .venv)
	rm -rf models/rights-companion-*.tar.gz .rasa .pytest_cache tests/artifacts
