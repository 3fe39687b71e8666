# The single test command: `make test` runs every test of the project: the
# Rust workspace (core, C ABI crate and its header check), the C test program
# under AddressSanitizer, the Python suite and the Go suite (with -race), the
# last three against the library built here.
CONFORMANCE := tests/data/conformance
SESSIONS := tests/data/sessions
CC ?= cc

.PHONY: test test-rust library test-c test-python test-go

test: test-rust test-c test-python test-go

test-rust:
	cargo test --workspace --all-targets
	cargo test --workspace --doc

library:
	cargo build -p portcullis-ffi --release

test-c: library
	$(CC) -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-Iffi/include ffi/tests/c/test_ffi.c target/release/libportcullis.a \
		-lpthread -ldl -lm -o target/test_ffi
	./target/test_ffi $(CONFORMANCE)/requests.jsonl $(CONFORMANCE)/decisions.jsonl \
		$(CONFORMANCE)/bad_policy.json $(CONFORMANCE)/bad_policy.expected
	$(CC) -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-Iffi/include ffi/tests/c/test_session.c target/release/libportcullis.a \
		-lpthread -ldl -lm -o target/test_session
	./target/test_session $(SESSIONS)/policy.json $(SESSIONS)/conformance.jsonl

test-python: library
	PORTCULLIS_LIBRARY=$(CURDIR)/target/release/libportcullis.so PYTHONPATH=bindings/python \
		python3 -m pytest -q bindings/python/tests

test-go: library
	cd bindings/go && go vet ./... && go test -race -count=1 ./...

# Benchmarks of the bindings (not part of `make test`).
.PHONY: bench-c bench-go bench-python
bench-c: library
	$(CC) -std=c11 -D_POSIX_C_SOURCE=199309L -O2 -Iffi/include ffi/tests/c/bench_ffi.c target/release/libportcullis.a \
		-lpthread -ldl -lm -o target/bench_ffi
	./target/bench_ffi

bench-go: library
	cd bindings/go && go test -run '^$$' -bench . -benchtime 2s

bench-python: library
	PORTCULLIS_LIBRARY=$(CURDIR)/target/release/libportcullis.so PYTHONPATH=bindings/python \
		python3 bindings/python/bench.py

# Every criterion benchmark, then BENCHMARKS.md from that run (not part of `make test`).
.PHONY: benchmarks
benchmarks:
	cargo bench --bench rbac --bench egress --bench peers --bench compile --bench allocations --bench commands --bench tools --bench hook
	python3 benches/report.py > BENCHMARKS.md

# Remakes src/defaults/snapshot.bin: the composed default policy, its tables
# and the literal gates of its regex sets, decoded at start instead of read
# from the parts (src/data/snapshot.rs). build.rs fails the build while the
# snapshot is stale, i.e. after any change to src/defaults/, the embedded
# tables or the policy reader (src/data/snapshot_inputs.rs lists them); run
# this and commit the file. The environment variable lets the crate build
# without the stale snapshot so the generator can run.
.PHONY: snapshot
snapshot:
	PORTCULLIS_SNAPSHOT_REGENERATE=1 cargo run --example snapshot
