# Builds the libFuzzer harnesses. Used by tests/fuzz/run.sh:
#   make -f tests/fuzz/fuzz.mk -j2 build/fuzz/fuzz_NAME
# The project's objects are compiled with clang and fuzzer-no-link instrumentation
# (every source except cli/main.c) into build/fuzz/, then archived, so a harness
# links only the objects it needs.
FCC := clang
PKGS := sqlite3 libarchive libcmark-gfm gdlib yaml-0.1 libsodium zlib raqm freetype2 libqrencode libpng jansson pwquality \
	libxml-2.0 pangocairo cairo-pdf cairo-png fontconfig
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FCFLAGS := -O1 -g -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Wno-unused-parameter -I. \
	$(shell pkg-config --cflags $(PKGS) libpq 2>/dev/null) $(SAN)
FLDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcivetweb -lhpdf -lunistring -lcsv -lpthread -ldl -lm
FB := build/fuzz
# libxlsxwriter: the report workbooks (reports/xlsx.c).
FLDLIBS += $(shell pkg-config --libs xlsxwriter 2>/dev/null)

SRCS := $(filter-out cli/main.c,$(wildcard lib/*.c accounts/*.c courses/*.c assessment/*.c certificates/*.c training/*.c \
	reports/*.c server/*.c cli/*.c))
OBJS := $(patsubst %.c,$(FB)/obj/%.o,$(SRCS))

$(FB)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(FCC) $(FCFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FB)/libsala.a: $(OBJS)
	@rm -f $@
	@ar rcs $@ $(OBJS)

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FB)/libsala.a
	@$(FCC) $(FCFLAGS) -fsanitize=fuzzer -o $@ $< $(FB)/libsala.a $(FLDLIBS)

-include $(shell find $(FB)/obj -name '*.d' 2>/dev/null)
