# dtfs — build, test and install.
#
#   make deps      install missing Debian packages (root), else print the apt-get line
#   make           build everything into build/
#   make check     deps + build + unit tests + mount tests, then the same under ASan+UBSan
#   make crash     the crash campaign (CRASH_ROUNDS=40 CRASH_TIME=900 FSSTRESS=)
#   make demo      what dtfs is for: a workload's dirty log, a pinned-page race caught,
#                  dtfs-log check, a timeline SVG, the dtfs-pin matrix (DTFS_DEMO_OUT=DIR)
#   make bench     the benchmark of tests/bench (dtfs vs null FUSE vs bindfs vs disk;
#                  FSX=/path/to/fsx for the fsx row)
#   make vm-check  the VM smoke test (Debian's 6.1 under dtfs-vm; part of check)
#   make powerfail the fsync promise under power loss: dm-log-writes replay in a VM
#                  (POWERFAIL_OPS=150 POWERFAIL_POINTS=110 per host filesystem)
#   make fsx-kernels FSX=/path/to/fsx   one fsx seed on 6.1, 6.12 and the host,
#                  dirty logs compared (FSX_SEED=7 FSX_OPS=2000)
#   make install   PREFIX=/usr/local DESTDIR= (mount.fuse.dtfs: MOUNTHELPERDIR=/sbin)

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# mount(8) looks for mount.fuse.dtfs only in /sbin (and /sbin/fs.d, /sbin/fs)
MOUNTHELPERDIR ?= /sbin

B       ?= build
CC      ?= gcc
SAN     ?=
PKGS    := fuse3 rocksdb liburing libbpf
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	   -Iinclude -Icore -I$(B) $(SAN) $(shell pkg-config --cflags $(PKGS) check 2>/dev/null)
LDFLAGS += $(SAN)
LIBS_CORE := $(shell pkg-config --libs rocksdb libbpf 2>/dev/null) -lpthread
LIBS_FUSE := $(shell pkg-config --libs fuse3 2>/dev/null)
LIBS_URING := $(shell pkg-config --libs liburing 2>/dev/null)
LIBS_CHECK := $(shell pkg-config --libs check 2>/dev/null)

# Debian packages needed to build and to run the whole suite.
DEB_PKGS := gcc make pkg-config libfuse3-dev fuse3 librocksdb-dev liburing-dev \
	    check libbpf-dev bpftool clang fio bindfs attr e2fsprogs util-linux \
	    psmisc procps libclang-rt-14-dev rocksdb-tools libxml2-utils acl
# setcap, getcap (t_killpriv)
DEB_PKGS += libcap2-bin
# dtfs-pin --fs and dtfs-trace on ext4, xfs, btrfs (t_pin_fs, t_trace)
DEB_PKGS += xfsprogs btrfs-progs
# dtfs-vm and the tests on other kernels (tools/vm, tests/vm, tests/powerfail)
DEB_PKGS += qemu-system-x86 busybox-static cpio kmod xz-utils python3 dmsetup

STORE_SRCS := core/store/store.c core/store/data.c core/store/alloc.c \
	      core/store/records.c core/store/fsck.c
FS_SRCS := core/fs/inode.c core/fs/namei.c core/fs/file.c core/fs/extent.c \
	   core/fs/dir.c core/fs/xattr.c core/fs/acl.c
TRACK_SRCS := core/track/dirtylog.c core/track/pagestate.c core/track/classify.c \
	      core/track/tracer.c core/track/gate.c core/track/track.c \
	      core/track/observe.c
CORE_SRCS := $(STORE_SRCS) $(FS_SRCS) $(TRACK_SRCS) core/crc32c.c core/opts.c core/ctl.c
CORE_OBJS := $(CORE_SRCS:%.c=$(B)/%.o)

PROGS := $(B)/dtfs $(B)/dtfs-fsck $(B)/dtfs-log $(B)/dtfsctl $(B)/dtfs-pin \
	 $(B)/dtfs-trace
TEST_PROGS := $(B)/test_core $(B)/test_dirty $(B)/nullfs $(B)/dt-mnt-helper $(B)/dt-bench-meta \
	      $(B)/dt-crash
TEST_PROGS += $(B)/test_parse $(B)/dt-ioctl-bad $(B)/dt-sem
TEST_PROGS += $(B)/pf-replay $(B)/pf-work

.PHONY: all build deps check unit mount-tests san-check demo bench install clean format \
	fuzz fuzz-build fuzz-short crash vm-check fsx-kernels powerfail

# `make` installs what is missing first; pkg-config is asked only after that.
all: deps
	$(MAKE) build

build: $(PROGS) $(TEST_PROGS)

deps:
	@tools/deps.sh $(DEB_PKGS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The BPF tracer: CO-RE object from this kernel's BTF, and its skeleton.
$(B)/vmlinux.h:
	@mkdir -p $(B)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(B)/tracer.bpf.o: core/track/tracer.bpf.c core/track/kevent.h $(B)/vmlinux.h
	clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I$(B) -Icore/track -c $< -o $@

$(B)/tracer.skel.h: $(B)/tracer.bpf.o
	bpftool gen skeleton $< name dt_tracer_bpf > $@.tmp && mv $@.tmp $@

$(B)/core/track/tracer.o: $(B)/tracer.skel.h

# rebuilt whole: ar would keep the objects of sources that moved or went
$(B)/libdtcore.a: $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/dtfs: $(B)/fs/dtfs.o $(B)/fs/wire.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_FUSE) $(LIBS_CORE)

$(B)/dtfs-fsck: $(B)/tools/dtfs-fsck.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE)

$(B)/dtfs-log: $(B)/tools/dtfs-log.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE)

PIN_SRCS := tools/pin/main.c tools/pin/scenarios.c tools/pin/pins.c \
	    tools/pin/evidence.c tools/pin/mount.c tools/pin/report.c \
	    tools/pin/kernels.c tools/pin/fs.c

$(B)/dtfs-pin: $(PIN_SRCS:%.c=$(B)/%.o) $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_URING) $(LIBS_CORE)

$(B)/dtfs-trace: $(B)/tools/dtfs-trace.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE)

$(B)/dtfsctl: $(B)/tools/dtfsctl.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/test_core: $(B)/tests/unit/test_core.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CHECK) $(LIBS_CORE)

$(B)/test_dirty: $(B)/tests/unit/test_dirty.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CHECK) $(LIBS_CORE)

$(B)/test_parse: $(B)/tests/unit/test_parse.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CHECK) $(LIBS_CORE)

$(B)/dt-ioctl-bad: $(B)/tests/mount/dt-ioctl-bad.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/dt-sem: $(B)/tests/mount/dt-sem.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_URING) -lpthread

$(B)/nullfs: $(B)/tests/nullfs.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_FUSE)

$(B)/dt-mnt-helper: $(B)/tests/mount/dt-mnt-helper.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

$(B)/dt-crash: $(B)/tests/crash/dt-crash.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/pf-replay: $(B)/tests/powerfail/pf-replay.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/pf-work: $(B)/tests/powerfail/pf-work.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/dt-bench-meta: $(B)/tests/bench/dt-bench-meta.o
	$(CC) $(LDFLAGS) -o $@ $^

unit: build
	$(B)/test_core
	$(B)/test_dirty
	$(B)/test_parse

mount-tests: build
	tests/mount/run.sh $(B)

# The whole suite, plainly and then again under ASan+UBSan (in build-san/).
check: deps
	$(MAKE) build
	$(MAKE) unit
	$(MAKE) mount-tests
	$(MAKE) vm-check
	$(MAKE) san-check
	$(MAKE) fuzz-short

san-check:
	$(MAKE) B=build-san CC=clang SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" build
	ASAN_OPTIONS=detect_leaks=1 $(MAKE) B=build-san unit
	ASAN_OPTIONS=detect_leaks=0 tests/mount/run.sh build-san

# libFuzzer targets (tests/fuzz), core built with coverage + ASan/UBSan in
# build-fuzz/. fuzz-short: seconds per target on a copy of the seed corpus
# plus every regression input (part of check); fuzz: FUZZ_TIME seconds per
# target, new corpus entries kept in tests/fuzz/corpus/.
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined
FUZZ_TARGETS := fuzz_dirtylog fuzz_opts fuzz_ioctl
FUZZ_TIME ?= 300

$(B)/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(B)/libdtcore.a
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_CORE)

fuzz-build:
	$(MAKE) B=build-fuzz CC=clang SAN="$(FUZZ_SAN)" \
		$(FUZZ_TARGETS:%=build-fuzz/%)

fuzz-short: fuzz-build
	tests/fuzz/run.sh build-fuzz 10 $(FUZZ_TARGETS)

fuzz: deps fuzz-build
	tests/fuzz/run.sh --keep build-fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)

# The crash campaign by hand (t_crash runs 6 rounds of it in the suite):
# kill -9 and abort rounds under a journaling writer and a stress load;
# FSSTRESS=/path/to/xfstests/ltp/fsstress to use the real one.
CRASH_ROUNDS ?= 40
CRASH_TIME ?= 900
crash: all
	tests/crash/campaign.sh $(B) --rounds $(CRASH_ROUNDS) --time $(CRASH_TIME) \
		$(if $(FSSTRESS),--fsstress $(FSSTRESS))

# Other kernels (tools/vm/dtfs-vm): the smoke test of check, and one fsx
# seed on 6.1, 6.12 and the host with the dirty logs compared.
vm-check: build
	tests/vm/smoke.sh $(B)

FSX ?=
FSX_SEED ?= 7
FSX_OPS ?= 2000
fsx-kernels: all
	@test -n "$(FSX)" || { echo "fsx-kernels: FSX=/path/to/fsx (xfstests' ltp/fsx) is needed" >&2; exit 2; }
	tests/vm/fsx-kernels.sh $(B) --fsx $(FSX) --seed $(FSX_SEED) --ops $(FSX_OPS)

# Power-fail consistency (tests/powerfail): ext4 and xfs hosts on
# dm-log-writes in Debian's kernel, every replay point checked, and the
# harness's own test.
POWERFAIL_OPS ?= 150
POWERFAIL_POINTS ?= 110
powerfail: all
	tests/powerfail/powerfail.sh $(B) --ops $(POWERFAIL_OPS) --points $(POWERFAIL_POINTS)

demo: all
	@tests/demo.sh $(B) $(DTFS_DEMO_OUT)

# FSX=/path/to/xfstests/ltp/fsx adds the fsx wall-time row.
bench: all
	FSX=$(FSX) tests/bench/bench.sh $(B)

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 755 $(B)/dtfs $(B)/dtfs-fsck $(B)/dtfsctl $(DESTDIR)$(SBINDIR)/
	install -m 755 $(B)/dtfs-log $(B)/dtfs-pin $(B)/dtfs-trace tools/vm/dtfs-vm $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(PREFIX)/lib/dtfs
	install -m 755 tools/vm/dtfs-vm-init $(DESTDIR)$(PREFIX)/lib/dtfs/
	install -d $(DESTDIR)$(MOUNTHELPERDIR)
	sed 's|@DTFS@|$(SBINDIR)/dtfs|' tools/mount.fuse.dtfs > $(DESTDIR)$(MOUNTHELPERDIR)/mount.fuse.dtfs
	chmod 755 $(DESTDIR)$(MOUNTHELPERDIR)/mount.fuse.dtfs
	install -m 644 man/dtfs.8 man/dtfs-fsck.8 man/dtfsctl.8 man/mount.fuse.dtfs.8 \
		$(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/dtfs-log.1 man/dtfs-pin.1 man/dtfs-trace.1 man/dtfs-vm.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/dtfs-dirtylog.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/dtfs.7 $(DESTDIR)$(MANDIR)/man7/

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
