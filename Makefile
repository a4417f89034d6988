# The two set-up commands from the README. Both work on a fresh Debian machine with python3.11.
.PHONY: demo test

demo:  ## install and start the demo CRM (SQLite) with the Google sandbox
	./scripts/demo.sh

test:  ## install and run everything: ruff, pytest on SQLite and PostgreSQL, browser tests
	./scripts/test.sh
