# Sala: one non-recursive Makefile. `make` builds ./sala.
#   make run     install missing packages, build, create a demo database, serve on 127.0.0.1:8080
#   make test    install test packages, build with sanitizers, run every suite
#   make check   the quick loop: the SQL ownership and step checks, optimised build and unit tests
#   make bench   optimised build and benchmarks (writes docs/performance.md)
#   make fuzz    libFuzzer harnesses for the parsers (FUZZ_SECONDS each)
#   make install  binary, bundled courses, docs, systemd units, nginx example (PREFIX=/usr/local, DESTDIR)
#   make deb      the Debian package build/deb/sala_VERSION_ARCH.deb (debhelper)
#   SANITIZE=address,undefined   build knob for the sanitizers

CC ?= cc
# The one place the version is written; `sala --version` and the Debian package read it.
VERSION := $(shell cat VERSION)
SANITIZE ?=
# Parallel jobs of the builds make test and make check start (the cores of this machine).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PKGS := sqlite3 libarchive libcmark-gfm gdlib yaml-0.1 libsodium zlib raqm freetype2 libqrencode libpng jansson pwquality libxml-2.0 pangocairo cairo-pdf cairo-png fontconfig
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpq: its header at build time; the library is loaded at run time by lib/db_pg.c, for PostgreSQL only.
CFLAGS += $(shell pkg-config --cflags libpq 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcivetweb -lhpdf -lunistring -lcsv -lpthread -ldl -lm

# libxlsxwriter: the report workbooks (reports/xlsx.c).
CFLAGS += $(shell pkg-config --cflags xlsxwriter 2>/dev/null)
LDLIBS += $(shell pkg-config --libs xlsxwriter 2>/dev/null)

ifneq ($(SANITIZE),)
BUILD := build/san
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=$(SANITIZE)
else
BUILD := build/rel
endif

# Dependencies point one way: lib <- accounts, courses, assessment, certificates, training, reports <- server, cli.
DOMAIN_SRCS := $(wildcard lib/*.c accounts/*.c courses/*.c assessment/*.c certificates/*.c training/*.c reports/*.c)
SERVER_SRCS := $(wildcard server/*.c)
CLI_SRCS := $(filter-out cli/main.c,$(wildcard cli/*.c))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(DOMAIN_SRCS) $(SERVER_SRCS))
CORE_OBJS := $(LIB_OBJS) $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))
MAIN_OBJ := $(BUILD)/cli/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all run test check unit integration e2e bench fuzz deps-run deps-test format lint clean install uninstall deb
all: sala

sala: $(BUILD)/sala
	cp $< $@

$(BUILD)/sala: $(CORE_OBJS) $(MAIN_OBJ)
	@echo LD $@
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo CC $<
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests link the domain and server objects (not the CLI, which holds main).
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo LD $@
	@$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) \
		$(shell pkg-config --libs cmocka)

# Only main.o carries the version, so a new version rebuilds one file.
$(MAIN_OBJ): VERSION
$(MAIN_OBJ): CFLAGS += -DSALA_VERSION='"$(VERSION)"'

-include $(shell find build -name '*.d' 2>/dev/null)

deps-run:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

run: deps-run
	$(MAKE) sala
	./sala demo --init --learners 400 --db $${SALA_DB:-sala.db}
	./sala serve --listen $${SALA_LISTEN:-127.0.0.1:8080} --db $${SALA_DB:-sala.db}

# Every suite writes its counts; tests/run.sh sums them into the last line.
test: deps-test
	$(MAKE) -j$(JOBS) SANITIZE=address,undefined sala unit-bins
	tests/run.sh

unit-bins: $(UNIT_BINS)

# The quick loop (under a minute): the SQL ownership and step checks (scripts/lint-*.sh), optimised build and the
# unit tests, no sanitizers, no servers.
check:
	@scripts/deps.sh test
	@scripts/lint-sql.sh -q
	@scripts/lint-step.sh
	$(MAKE) -j$(JOBS) sala unit-bins
	@fail=0; for t in $(UNIT_BINS); do (cd tests/unit && ../../$$t) >/dev/null 2>&1 || { echo "FAIL $$t"; fail=1; }; done; \
	[ $$fail -eq 0 ] && echo "unit tests passed"; [ $$fail -eq 0 ] || exit 1
	@# A smoke set of the integration tests: the real server, every role's login, forms, CSRF, headers.
	@SALA_BIN=$(CURDIR)/build/rel/sala python3 tests/integration/run.py test_foundation > build/check-smoke.log 2>&1 \
		|| { grep -E "^FAIL" -A 12 build/check-smoke.log; exit 1; }; tail -n 1 build/check-smoke.log

bench: 
	@scripts/deps.sh bench
	$(MAKE) clean-rel
	# CFLAGS from the environment, not the command line: a command-line CFLAGS would drop -I. and -Werror.
	CFLAGS="-O2 -g -DNDEBUG" $(MAKE) sala
	tests/bench/run.sh

fuzz:
	@scripts/deps.sh test
	tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# SQL stays with the module that owns its tables (docs/architecture.md); every sqlite3_step result is
# checked (scripts/lint-step.sh); then cppcheck.
lint:
	@# The tree matches .clang-format (make format rewrites it).
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')
	scripts/lint-sql.sh
	scripts/lint-step.sh
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 -I. $$(git ls-files '*.c')

# Installation layout. The Debian package installs with PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/sala
DOCDIR ?= $(PREFIX)/share/doc/sala
LIBEXECDIR ?= $(PREFIX)/libexec/sala
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UNITS := sala.service sala-standby.service sala-backup.service sala-backup.timer sala-alert@.service
# The shipped files name the package's paths; other prefixes get theirs written in.
INSTALL_SED := sed -e 's|/usr/bin/sala|$(BINDIR)/sala|g' -e 's|/usr/libexec/sala|$(LIBEXECDIR)|g' \
	-e 's|/usr/share/doc/sala|$(DOCDIR)|g' -e 's|/usr/share/sala|$(DATADIR)|g'

install: sala
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/courses $(DESTDIR)$(DATADIR)/nginx \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 sala $(DESTDIR)$(BINDIR)/sala
	cp -R courses/library/. $(DESTDIR)$(DATADIR)/courses/
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/courses
	for u in $(UNITS); do $(INSTALL_SED) packaging/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; done
	for f in sala-backup sala-alert; do $(INSTALL_SED) packaging/$$f > $(DESTDIR)$(LIBEXECDIR)/$$f && \
		chmod 0755 $(DESTDIR)$(LIBEXECDIR)/$$f || exit 1; done
	$(INSTALL_SED) packaging/nginx/sala.conf > $(DESTDIR)$(DATADIR)/nginx/sala.conf
	chmod 0644 $(DESTDIR)$(DATADIR)/nginx/sala.conf
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sala $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS))
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR)

# The Debian package, built with debhelper from a copy of the tree in build/deb (debian/changelog
# is written there from VERSION). Result: build/deb/sala_$(VERSION)_ARCH.deb.
deb:
	@scripts/deps.sh deb
	rm -rf build/deb && mkdir -p build/deb/sala-$(VERSION)
	tar -c --exclude-vcs --exclude-vcs-ignores --exclude=./build --exclude=./sala -f - . | \
		tar -x -C build/deb/sala-$(VERSION)
	cp -R packaging/debian build/deb/sala-$(VERSION)/debian
	printf 'sala (%s) bookworm; urgency=medium\n\n  * Release %s.\n\n -- Sala Project <sala@localhost>  %s\n' \
		'$(VERSION)' '$(VERSION)' "$$(date -R)" > build/deb/sala-$(VERSION)/debian/changelog
	cd build/deb/sala-$(VERSION) && dpkg-buildpackage -us -uc -b -j2
	@ls build/deb/*.deb

clean-rel:
	rm -rf build/rel

clean:
	rm -rf build sala
