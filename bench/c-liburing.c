// c-liburing: the same workloads as the Node contenders, in C over liburing.
// It is the ceiling on this machine: what io_uring does with no JavaScript in the way.
//
// Built by bench/lib/cprog.mjs on first use:
//   cc -O2 -Wall -o bench/bin/c-liburing bench/c-liburing.c $(pkg-config --cflags --libs liburing)
//
// Usage:
//   c-liburing --probe
//   c-liburing --op read|write|nop|stat|orc [--file F] [--bs N] [--qd N] [--mode rand|seq]
//              [--direct] [--fdatasync-every N] [--span BYTES] [--warmup SEC] [--duration SEC]
//              [--files-dir D --nfiles N --file-size N] [--seed N]
//
// --op orc is "open, read whole, close" over <files-dir>/fNNNNN; --op stat is statx over the same
// paths. Queue depth N means N operations in flight at all times: a completion immediately
// re-arms its slot. For orc, one slot walks open -> read -> close, so QD N = N files in progress.
//
// Output (stdout, one JSON object):
//   {"ok":true,"ops":..,"seconds":..,"lat_us":{"p50":..,"p99":..,"p999":..,"samples":..},
//    "cpu_user_s":..,"cpu_sys_s":..,"syncs":..,"setup_flags":[..]}
// or {"ok":false,"error":"..."} with exit status 1.
//
// Opens the data file read-only unless --op write; the CLI only ever passes --op write with a
// file the suite created.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12) /* Linux 6.0 */
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13) /* Linux 6.1 */
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8) /* Linux 5.19 */
#endif

enum op_kind { OP_READ, OP_WRITE, OP_NOP, OP_STAT, OP_ORC };
enum slot_state { S_IO, S_SYNC, S_OPEN, S_READ, S_CLOSE };

struct slot {
	enum slot_state state;
	double start_ns;
	void *buf;
	int fd; /* orc: the file opened by this slot */
	struct statx stx;
};

static struct {
	enum op_kind op;
	const char *file;
	const char *files_dir;
	long long bs, span, file_size;
	int qd, nfiles, direct, fdatasync_every, seq;
	double warmup, duration;
	uint32_t seed;
} cfg = {
	.op = OP_READ, .bs = 4096, .qd = 1, .warmup = 0.2, .duration = 1.0, .nfiles = 0,
	.file_size = 4096, .seed = 12345,
};

static struct io_uring ring;
static unsigned setup_flags;
static struct slot *slots;
static int data_fd = -1;
static char **paths;
static uint32_t rng;
static long long seq_cursor;
static int file_cursor;

/* Latency samples in ns; reservoir sampling past the cap keeps memory bounded. */
#define LAT_CAP (4u << 20)
static double *lat;
static unsigned long long lat_n, lat_seen;

static void fail(const char *what, int err)
{
	printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, strerror(err));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void record(double ns)
{
	lat_seen++;
	if (lat_n < LAT_CAP) {
		lat[lat_n++] = ns;
	} else {
		unsigned long long j = ((unsigned long long)xorshift() << 32 | xorshift()) % lat_seen;
		if (j < LAT_CAP)
			lat[j] = ns;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double p)
{
	if (!lat_n)
		return 0;
	unsigned long long i = (unsigned long long)(p * (lat_n - 1) + 0.5);
	return lat[i] / 1000.0;
}

static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	while (!sqe) { /* SQ full: flush and retry, never drop */
		int ret = io_uring_submit(&ring);
		if (ret < 0 && ret != -EBUSY && ret != -EAGAIN)
			fail("io_uring_submit", -ret);
		sqe = io_uring_get_sqe(&ring);
	}
	return sqe;
}

static long long next_offset(void)
{
	long long blocks = cfg.span / cfg.bs;
	if (cfg.seq) {
		long long off = seq_cursor;
		seq_cursor += cfg.bs;
		if (seq_cursor + cfg.bs > blocks * cfg.bs)
			seq_cursor = 0;
		return off;
	}
	return (long long)(((uint64_t)xorshift() << 32 | xorshift()) % (uint64_t)blocks) * cfg.bs;
}

static unsigned long long writes_since_sync;
static int sync_inflight;

/* Arms slot i with its next operation. */
static void arm(int i, double t)
{
	struct slot *s = &slots[i];
	struct io_uring_sqe *sqe = get_sqe();
	switch (cfg.op) {
	case OP_READ:
		s->state = S_IO;
		io_uring_prep_read(sqe, data_fd, s->buf, cfg.bs, next_offset());
		break;
	case OP_WRITE:
		if (cfg.fdatasync_every && writes_since_sync >= (unsigned long long)cfg.fdatasync_every &&
		    !sync_inflight) {
			writes_since_sync = 0;
			sync_inflight = 1;
			s->state = S_SYNC;
			io_uring_prep_fsync(sqe, data_fd, IORING_FSYNC_DATASYNC);
		} else {
			s->state = S_IO;
			io_uring_prep_write(sqe, data_fd, s->buf, cfg.bs, next_offset());
		}
		break;
	case OP_NOP:
		s->state = S_IO;
		io_uring_prep_nop(sqe);
		break;
	case OP_STAT:
		s->state = S_IO;
		io_uring_prep_statx(sqe, AT_FDCWD, paths[file_cursor], 0, STATX_BASIC_STATS, &s->stx);
		file_cursor = (file_cursor + 1) % cfg.nfiles;
		break;
	case OP_ORC:
		s->state = S_OPEN;
		io_uring_prep_openat(sqe, AT_FDCWD, paths[file_cursor], O_RDONLY, 0);
		file_cursor = (file_cursor + 1) % cfg.nfiles;
		break;
	}
	s->start_ns = t;
	io_uring_sqe_set_data64(sqe, (uint64_t)i);
}

/* Continues slot i's open -> read -> close chain; returns 1 when the file is done. */
static int orc_step(int i, int res)
{
	struct slot *s = &slots[i];
	struct io_uring_sqe *sqe;
	switch (s->state) {
	case S_OPEN:
		if (res < 0)
			fail("openat", -res);
		s->fd = res;
		s->state = S_READ;
		sqe = get_sqe();
		/* An 8 KiB buffer for a 4 KiB file: a short read proves EOF in one call. */
		io_uring_prep_read(sqe, s->fd, s->buf, 8192, 0);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		return 0;
	case S_READ:
		if (res < 0)
			fail("read", -res);
		if (res != cfg.file_size)
			fail("read: unexpected size", EIO);
		s->state = S_CLOSE;
		sqe = get_sqe();
		io_uring_prep_close(sqe, s->fd);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		return 0;
	default:
		if (res < 0)
			fail("close", -res);
		return 1;
	}
}

static void setup_ring(unsigned entries)
{
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	int ret = -EINVAL;
	for (unsigned k = 0; k < sizeof(tries) / sizeof(tries[0]); k++) {
		struct io_uring_params p;
		memset(&p, 0, sizeof(p));
		p.flags = tries[k];
		ret = io_uring_queue_init_params(entries, &ring, &p);
		if (ret == 0) {
			setup_flags = tries[k];
			return;
		}
		if (ret != -EINVAL)
			break;
	}
	fail("io_uring_queue_init", -ret);
}

static void print_flags(void)
{
	int first = 1;
	printf("\"setup_flags\":[");
#define FLAG(f, name)                                     \
	if (setup_flags & (f)) {                              \
		printf("%s\"%s\"", first ? "" : ",", name);        \
		first = 0;                                        \
	}
	FLAG(IORING_SETUP_SINGLE_ISSUER, "SINGLE_ISSUER");
	FLAG(IORING_SETUP_DEFER_TASKRUN, "DEFER_TASKRUN");
	FLAG(IORING_SETUP_COOP_TASKRUN, "COOP_TASKRUN");
#undef FLAG
	printf("]");
}

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	int probe = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && (i++, 1))
		if (!strcmp(a, "--probe"))
			probe = 1;
		else if (!strcmp(a, "--direct"))
			cfg.direct = 1;
		else if (ARG("--op")) {
			if (!strcmp(v, "read")) cfg.op = OP_READ;
			else if (!strcmp(v, "write")) cfg.op = OP_WRITE;
			else if (!strcmp(v, "nop")) cfg.op = OP_NOP;
			else if (!strcmp(v, "stat")) cfg.op = OP_STAT;
			else if (!strcmp(v, "orc")) cfg.op = OP_ORC;
			else fail("--op", EINVAL);
		} else if (ARG("--file")) cfg.file = v;
		else if (ARG("--files-dir")) cfg.files_dir = v;
		else if (ARG("--nfiles")) cfg.nfiles = atoi(v);
		else if (ARG("--file-size")) cfg.file_size = atoll(v);
		else if (ARG("--bs")) cfg.bs = atoll(v);
		else if (ARG("--qd")) cfg.qd = atoi(v);
		else if (ARG("--mode")) cfg.seq = !strcmp(v, "seq");
		else if (ARG("--fdatasync-every")) cfg.fdatasync_every = atoi(v);
		else if (ARG("--span")) cfg.span = atoll(v);
		else if (ARG("--warmup")) cfg.warmup = atof(v);
		else if (ARG("--duration")) cfg.duration = atof(v);
		else if (ARG("--seed")) cfg.seed = (uint32_t)strtoul(v, NULL, 10);
		else {
			printf("{\"ok\":false,\"error\":\"unknown or incomplete argument: %s\"}\n", a);
			return 1;
		}
#undef ARG
	}
	rng = cfg.seed ? cfg.seed : 1;

	if (probe) {
		setup_ring(8);
		printf("{\"ok\":true,");
		print_flags();
#ifdef IO_URING_VERSION_MAJOR /* liburing 2.4+ */
		printf(",\"liburing\":\"%d.%d\"}\n", IO_URING_VERSION_MAJOR, IO_URING_VERSION_MINOR);
#else
		printf(",\"liburing\":null}\n");
#endif
		io_uring_queue_exit(&ring);
		return 0;
	}

	if (cfg.qd < 1 || cfg.bs < 1)
		fail("--qd/--bs", EINVAL);
	if (cfg.op == OP_READ || cfg.op == OP_WRITE) {
		if (!cfg.file)
			fail("--file", EINVAL);
		int flags = (cfg.op == OP_WRITE ? O_WRONLY : O_RDONLY) | (cfg.direct ? O_DIRECT : 0);
		data_fd = open(cfg.file, flags);
		if (data_fd < 0)
			fail(cfg.file, errno);
		if (!cfg.span) {
			struct stat st;
			if (fstat(data_fd, &st))
				fail("fstat", errno);
			cfg.span = st.st_size;
		}
		if (cfg.span < cfg.bs)
			fail("--span smaller than --bs", EINVAL);
	}
	if (cfg.op == OP_STAT || cfg.op == OP_ORC) {
		if (!cfg.files_dir || cfg.nfiles < 1)
			fail("--files-dir/--nfiles", EINVAL);
		paths = calloc(cfg.nfiles, sizeof(*paths));
		for (int i = 0; i < cfg.nfiles; i++)
			if (asprintf(&paths[i], "%s/f%05d", cfg.files_dir, i) < 0)
				fail("asprintf", ENOMEM);
	}

	setup_ring(cfg.qd < 4 ? 8 : (unsigned)cfg.qd * 2);
	slots = calloc(cfg.qd, sizeof(*slots));
	size_t buf_size = cfg.op == OP_ORC ? 8192 : (size_t)cfg.bs;
	for (int i = 0; i < cfg.qd; i++) {
		/* posix_memalign: O_DIRECT needs page-aligned memory. */
		if (posix_memalign(&slots[i].buf, 4096, buf_size))
			fail("posix_memalign", ENOMEM);
		memset(slots[i].buf, 0xa5, buf_size);
	}
	lat = malloc(sizeof(double) * LAT_CAP);
	if (!lat)
		fail("malloc", ENOMEM);

	double t_start = now_ns();
	double warm_end = t_start + cfg.warmup * 1e9;
	double end = warm_end + cfg.duration * 1e9;
	double t0 = 0, t1 = 0;
	struct rusage ru0, ru1;
	int measuring = 0, stopping = 0;
	unsigned long long ops = 0, syncs = 0;
	int inflight = 0;

	if (cfg.seq)
		seq_cursor = 0;
	for (int i = 0; i < cfg.qd; i++) {
		arm(i, t_start);
		inflight++;
	}
	while (inflight > 0) {
		int ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EBUSY && ret != -EAGAIN)
			fail("io_uring_submit_and_wait", -ret);
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		double t = now_ns();
		if (!measuring && t >= warm_end) {
			measuring = 1;
			t0 = t;
			getrusage(RUSAGE_SELF, &ru0);
		}
		if (measuring && !stopping && t >= end) {
			stopping = 1;
			t1 = t;
			getrusage(RUSAGE_SELF, &ru1);
		}
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			int i = (int)io_uring_cqe_get_data64(cqe);
			int res = cqe->res;
			struct slot *s = &slots[i];
			int done = 1;
			switch (cfg.op) {
			case OP_READ:
			case OP_WRITE:
				if (s->state == S_SYNC) {
					if (res < 0)
						fail("fdatasync", -res);
					sync_inflight = 0;
					syncs += measuring && !stopping;
					done = 0; /* a sync is not an op; its time delays this slot */
					break;
				}
				if (res < 0)
					fail(cfg.op == OP_READ ? "read" : "write", -res);
				if (res != cfg.bs)
					fail("short transfer", EIO);
				if (cfg.op == OP_WRITE)
					writes_since_sync++;
				break;
			case OP_NOP:
				break;
			case OP_STAT:
				if (res < 0)
					fail("statx", -res);
				break;
			case OP_ORC:
				done = orc_step(i, res);
				if (!done)
					continue;
				break;
			}
			if (done && measuring && !stopping) {
				ops++;
				record(t - s->start_ns);
			}
			if (stopping)
				inflight--;
			else
				arm(i, t);
		}
		io_uring_cq_advance(&ring, seen);
	}
	if (!stopping) { /* cannot happen: the loop only ends after stopping */
		t1 = now_ns();
		getrusage(RUSAGE_SELF, &ru1);
	}

	qsort(lat, lat_n, sizeof(double), cmp_double);
	double cpu_user = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	double cpu_sys = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	printf("{\"ok\":true,\"ops\":%llu,\"seconds\":%.6f,\"lat_us\":{\"p50\":%.3f,\"p99\":%.3f,"
	       "\"p999\":%.3f,\"samples\":%llu},\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"syncs\":%llu,",
	       ops, (t1 - t0) / 1e9, pct(0.50), pct(0.99), pct(0.999), lat_n, cpu_user, cpu_sys, syncs);
	print_flags();
	printf("}\n");
	io_uring_queue_exit(&ring);
	return 0;
}
