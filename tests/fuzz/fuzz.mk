# fuzz.mk: build the libFuzzer targets with clang and run each for
# FUZZ_SECONDS (make fuzz), or over its committed seeds only (regress).
# Run from the top of the tree: make -f tests/fuzz/fuzz.mk [run|regress].
# Everything built goes to tests/fuzz/build/; lib/*.o are never touched.
# A finding is left as tests/fuzz/build/T-crash-* (or -leak-, -timeout-);
# tests/fuzz/build/fuzz_T FILE runs it again.  Once fixed, it goes under
# tests/fuzz/seed/T/ (so that regress runs it) and into a unit or golden
# test that says what was wrong.
#
# The targets: reader (lines of plain and gzip input at every read size),
# json (strict JSON and the record check), verify (kag-verify's path over
# an operand: segments, documents, cross-record checks), filter
# (kag-filter's selection and rewriting, options from the first bytes),
# load (an operand into an in-memory store, dumped back).
.POSIX:
.SUFFIXES:

FUZZ_CC = clang-14
FUZZ_SECONDS = 60
PKG_CONFIG = pkg-config
B = tests/fuzz/build
S = tests/fuzz
TARGETS = reader json verify filter load
# The libraries kag links with, as the top Makefile names them.
PKGS = $$(sed -n 's/^DEPS_LIBS = .*--libs \([a-z0-9 ]*\).*/\1/p' Makefile)
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -O1 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes $(SAN) \
	`$(PKG_CONFIG) --cflags $(PKGS)` -Ilib -I$(S)
FUZZ_LIBS = `$(PKG_CONFIG) --libs $(PKGS)` -lpthread
# libFuzzer's options for every run: no output of the target's own, no
# input larger than 1 MiB, a slow input is a finding after 20 s.
RUNOPTS = -close_fd_mask=3 -max_len=1048576 -timeout=20 -rss_limit_mb=2560 \
	-print_final_stats=1

all: run

# The library again, instrumented: every lib/*.c (the top Makefile's
# LIBOBJ and any module not listed there yet), rebuilt when it or kag.h
# is newer than its object.
lib: FORCE
	@mkdir -p $(B)/lib
	@set -e; objs=; for c in lib/*.c; do \
		o=$(B)/$${c%.c}.o; objs="$$objs $$o"; \
		if [ ! -f $$o ] || [ $$c -nt $$o ] || [ lib/kag.h -nt $$o ]; \
		then echo "$(FUZZ_CC) -c $$c"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		    -c -o $$o $$c; fi; \
	done; \
	rm -f $(B)/libkag.a && ar rcs $(B)/libkag.a $$objs

# Each target is fuzz_T.c with fuzz.c and the programs' bin/cli.c, linked
# with libFuzzer's main.
targets: lib
	@set -e; for t in $(TARGETS); do \
		echo "$(FUZZ_CC) -o $(B)/fuzz_$$t"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer -o $(B)/fuzz_$$t \
		    $(S)/fuzz_$$t.c $(S)/fuzz.c bin/cli.c $(B)/libkag.a \
		    $(FUZZ_LIBS); \
	done

# New inputs go to build/corpus/T (the seeds under seed/T stay as
# committed); a crash leaves build/T-crash-* and fails the run, after
# every target has had its turn.
run: targets
	@rv=0; for t in $(TARGETS); do \
		mkdir -p $(B)/corpus/$$t; \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		if $(B)/fuzz_$$t $(RUNOPTS) -max_total_time=$(FUZZ_SECONDS) \
		    -artifact_prefix=$(B)/$$t- $(B)/corpus/$$t $(S)/seed/$$t \
		    >$(B)/$$t.log 2>&1; \
		then grep -E '^stat::(number_of_executed_units|peak_rss_mb)' \
		    $(B)/$$t.log | tr '\n' ' '; echo; \
		else tail -n 60 $(B)/$$t.log; echo "fuzz $$t: FAILED"; rv=1; fi; \
	done; exit $$rv

# Only the committed seeds and regression inputs, each once.
regress: targets
	@rv=0; for t in $(TARGETS); do \
		echo "== regress $$t"; \
		$(B)/fuzz_$$t $(RUNOPTS) -runs=0 \
		    -artifact_prefix=$(B)/$$t- $(S)/seed/$$t \
		    >$(B)/$$t.log 2>&1 || { tail -n 60 $(B)/$$t.log; rv=1; }; \
	done; exit $$rv

FORCE:
.PHONY: all lib targets run regress FORCE
