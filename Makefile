# The single test command: `make test` runs every test of the project.
.PHONY: test
test:
	cargo test --workspace --all-targets
	cargo test --workspace --doc
