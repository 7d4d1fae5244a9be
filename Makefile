# kag: small C programs for AI-memory data as JSON Lines.
.POSIX:
.SUFFIXES:

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

CC = cc
PKG_CONFIG = pkg-config
OPT = -O2
WERROR =
CFLAGS = $(OPT) -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wno-format-nonliteral \
	$(WERROR) $(EXTRA_CFLAGS)
DEPS_CFLAGS = `$(PKG_CONFIG) --cflags zlib sqlite3 libxxhash`
DEPS_LIBS = `$(PKG_CONFIG) --libs zlib sqlite3 libxxhash` -lpthread
LDFLAGS =

PROGS = bin/kag-verify bin/kag-filter bin/kag-dump bin/kag-load \
	$(SUBGRAPH_PROG)
LIBOBJ = lib/util.o lib/reader.o lib/writer.o lib/json.o lib/jsonread.o \
	lib/record.o lib/parser.o \
	lib/input.o lib/set.o lib/time.o lib/glob.o lib/check.o lib/progress.o \
	lib/match.o lib/store.o \
	lib/dump.o lib/graphjson.o lib/rows.o lib/exportdir.o \
	lib/load.o \
	$(DUMP_OBJ) $(SUBGRAPH_OBJ) $(DOC_OBJ) $(STATE_OBJ) $(HARDEN_OBJ)
UNITS = tests/unit/t_util tests/unit/t_reader tests/unit/t_writer \
	tests/unit/t_json tests/unit/t_record tests/unit/t_misc tests/unit/t_check \
	tests/unit/t_match \
	tests/unit/t_dump tests/unit/jsoneq \
	tests/unit/t_load tests/unit/sqlq \
	$(LEAD_UNITS) $(SUBGRAPH_UNITS) $(DOC_UNITS) $(STATE_UNITS) $(HARDEN_UNITS) \
	$(LOAD_UNITS)
MANS = man/kag.5 man/kag-verify.1 man/kag-filter.1 man/kag-dump.1 man/kag-load.1 \
	$(SUBGRAPH_MANS)

# Each piece of work names its own files on its own line.
DUMP_OBJ = lib/dumprow.o lib/bloom.o lib/jsonlex.o lib/checksave.o
LEAD_UNITS = tests/unit/t_bloom
SUBGRAPH_PROG = bin/kag-subgraph
SUBGRAPH_OBJ = lib/graph.o lib/cut.o lib/export.o
SUBGRAPH_UNITS = tests/unit/t_graph
SUBGRAPH_MANS = man/kag-subgraph.1
DOC_OBJ = lib/document.o lib/loadrow.o lib/loadgraph.o
DOC_UNITS = tests/unit/t_document
STATE_OBJ = lib/state.o lib/statedb.o lib/saved.o lib/report.o lib/sum.o
STATE_UNITS = tests/unit/t_state
HARDEN_OBJ =
HARDEN_UNITS = tests/unit/maxrss
LOAD_UNITS = tests/unit/t_loadlater

all: deps-check $(PROGS)

# Fails with the exact command to run when a build dependency is missing;
# as root on Debian it installs them instead.
deps-check:
	@sh tests/deps.sh check

deps:
	@sh tests/deps.sh install

lib/libkag.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(LIBOBJ) $(PROGS:=.o) $(UNITS:=.o): lib/kag.h
lib/dump.o lib/dumprow.o: lib/dump.h
lib/json.o lib/jsonlex.o: lib/jsonlex.h
lib/check.o lib/checksave.o: lib/check.h
lib/load.o lib/loadrow.o lib/loadgraph.o: lib/load.h

.SUFFIXES: .c .o
.c.o:
	$(CC) $(CFLAGS) $(DEPS_CFLAGS) -Ilib -c -o $@ $<

# A program or a unit test is its object linked with the library and
# with what the programs share on their command lines (bin/cli.c: it
# prints and exits, so it is not the library's).
CLI_OBJ = bin/cli.o
$(PROGS) $(UNITS): lib/libkag.a $(CLI_OBJ)
$(PROGS:=.o) $(CLI_OBJ): bin/cli.h
$(UNITS): tests/unit/tap.h
.c:
	$(CC) $(CFLAGS) $(DEPS_CFLAGS) -Ilib -c -o $@.o $<
	$(CC) $(LDFLAGS) -o $@ $@.o $(CLI_OBJ) lib/libkag.a $(DEPS_LIBS)
.o:
	$(CC) $(LDFLAGS) -o $@ $< $(CLI_OBJ) lib/libkag.a $(DEPS_LIBS)

# load.c with a one-block Bloom filter (t_loadlater.c says why), linked
# before the library so that its copy of load.c is the one used.
tests/unit/load_tiny.o: lib/load.c lib/load.h lib/kag.h
	$(CC) $(CFLAGS) $(DEPS_CFLAGS) -DSEENBYTES=0 -DMAXSEEN=120 -Ilib -c \
	    -o $@ lib/load.c
tests/unit/t_loadlater: tests/unit/t_loadlater.c tests/unit/load_tiny.o
	$(CC) $(CFLAGS) $(DEPS_CFLAGS) -Ilib -c -o $@.o tests/unit/t_loadlater.c
	$(CC) $(LDFLAGS) -o $@ $@.o tests/unit/load_tiny.o lib/libkag.a \
	    $(DEPS_LIBS)

check: all $(UNITS)
	prove tests/

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer,
# in a separate build tree so that the normal build is left alone.
sanitize: deps-check
	rm -rf .sanitize && mkdir .sanitize
	tar cf - Makefile lib bin tests | (cd .sanitize && tar xf -)
	cd .sanitize && $(MAKE) clean >/dev/null && \
	$(MAKE) check OPT=-O1 WERROR="$(WERROR)" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined"

# Each script prints its table and exits 1 if a target is missed; all run.
bench: all
	rv=0; for b in tests/bench.sh tests/bench_*.sh; do sh $$b || rv=1; done; exit $$rv

# Each fuzz target for FUZZ_SECONDS (tests/fuzz/fuzz.mk; clang, libFuzzer).
FUZZ_SECONDS = 60
fuzz: deps-check
	$(MAKE) -f tests/fuzz/fuzz.mk FUZZ_SECONDS=$(FUZZ_SECONDS)

demo: all
	sh tests/demo.sh

format:
	clang-format -i lib/*.c lib/*.h bin/*.c bin/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h

format-check:
	clang-format --dry-run --Werror lib/*.c lib/*.h bin/*.c bin/*.h tests/unit/*.c tests/unit/*.h \
	    tests/fuzz/*.c tests/fuzz/*.h

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	cp -f $(PROGS) $(DESTDIR)$(BINDIR)/
	cp -f man/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp -f man/*.5 $(DESTDIR)$(MANDIR)/man5/

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/}; done
	for m in $(MANS); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; done

clean:
	rm -f $(PROGS) bin/*.o lib/*.o lib/libkag.a $(UNITS) tests/unit/*.o
	rm -rf .sanitize tests/tmp

.PHONY: all check deps deps-check sanitize bench fuzz demo format format-check \
	install uninstall clean
