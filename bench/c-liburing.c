// c-liburing: the same workloads as the Node contenders, in C over liburing.
// It is the ceiling on this machine: what io_uring does with no JavaScript in the way.
//
// Built by bench/lib/cprog.mjs on first use:
//   cc -O2 -Wall -o bench/bin/c-liburing bench/c-liburing.c $(pkg-config --cflags --libs liburing)
//
// Usage:
//   c-liburing --probe
//   c-liburing --op read|write|nop|stat|orc [--file F] [--bs N] [--qd N] [--mode rand|seq]
//              [--direct] [--fixed-bufs] [--reg-files] [--fdatasync-every N] [--span BYTES] [--warmup SEC] [--duration SEC]
//              [--files-dir D --nfiles N --file-size N] [--seed N] [--threads N] [--buf-offset N]
//
// --op orc is "open, read whole, close" over <files-dir>/fNNNNN; --op stat is statx over the same
// paths. Queue depth N means N operations in flight at all times: a completion immediately
// re-arms its slot. For orc, one slot walks open -> read -> close, so QD N = N files in progress.
//
// Random offsets: one xorshift32 draw per op, (draw % blocks) * bs, from --seed: the same
// sequence as the Node contenders (bench/lib/measure.mjs, Workload.nextOffset).
//
// --threads N runs N threads, each with its own ring, its own fd and slots, the same workload
// (thread i's seed is seed ^ (i * 0x9e3779b9), so thread 0 draws what a single thread draws).
// --fixed-bufs registers every slot's buffer (IORING_REGISTER_BUFFERS) and reads/writes with
// READ_FIXED/WRITE_FIXED, buf_index = the slot; --reg-files registers the data fd
// (IORING_REGISTER_FILES) and names it by slot 0 with IOSQE_FIXED_FILE: fio's fixedbufs=1 and
// registerfiles=1, and uring-fs's ring.registerBuffers / ring.registerFile.
// --buf-offset N places every buffer N bytes past a page boundary (default 0: page-aligned, as
// every contender's buffers are); an experiment knob, the CLI never passes it.
//
// Output (stdout, one JSON object):
//   {"ok":true,"ops":..,"seconds":..,"lat_us":{"p50":..,"p99":..,"p999":..,"samples":..},
//    "cpu_user_s":..,"cpu_sys_s":..,"read_bytes":..,"syncs":..,"threads":[{"ops":..,"seconds":..}],
//    "setup_flags":[..]}
// or {"ok":false,"error":"..."} with exit status 1. With several threads, ops / seconds is the
// sum of the threads' rates and the CPU is the process's over the mean window (see
// bench/lib/measure.mjs, combine()). read_bytes is /proc/self/io's read_bytes over the window:
// what the process made the kernel fetch from storage (0 for a hot run).
//
// Opens the data file read-only unless --op write; the CLI only ever passes --op write with a
// file the suite created.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
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
	long long bs, span, file_size, buf_offset;
	int qd, nfiles, direct, sqpoll, defer_taskrun, fdatasync_every, seq, threads;
	int fixed_bufs, reg_files; /* read/write: registered buffers (READ_FIXED) and file (IOSQE_FIXED_FILE) */
	double warmup, duration;
	uint32_t seed;
} cfg = {
	.op = OP_READ, .bs = 4096, .qd = 1, .warmup = 0.2, .duration = 1.0, .nfiles = 0,
	.file_size = 4096, .seed = 12345, .threads = 1,
};

static char **paths;
static unsigned setup_flags; /* what the rings were set up with (the same for every thread) */
static unsigned long long lat_cap;

/* One thread's run: its ring, slots, cursors and figures. */
struct worker {
	int index;
	pthread_t tid;
	struct io_uring ring;
	unsigned flags;
	struct slot *slots;
	int data_fd;
	uint32_t rng;
	long long seq_cursor;
	int file_cursor;
	unsigned long long writes_since_sync;
	int sync_inflight;
	/* Latency samples in ns; reservoir sampling past the cap keeps memory bounded. */
	double *lat;
	unsigned long long lat_n, lat_seen;
	/* results */
	unsigned long long ops, syncs, read_bytes;
	double seconds, cpu_user, cpu_sys;
};

static pthread_barrier_t start_line;

static void fail(const char *what, int err)
{
	printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, strerror(err));
	fflush(stdout);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint32_t xorshift(struct worker *w)
{
	uint32_t x = w->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return w->rng = x;
}

/* /proc/self/io read_bytes: bytes this process caused to be read from storage (-1: unknown). */
static long long proc_read_bytes(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	if (!f)
		return -1;
	char line[128];
	long long v = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "read_bytes: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* --profile: the CLI runs this under `perf record -D -1 --control fifo:$BENCH_PERF_CTL`; the
 * measured window (thread 0's) turns the events on and off. */
static void perf_control(const char *cmd)
{
	const char *ctl = getenv("BENCH_PERF_CTL");
	if (!ctl)
		return;
	FILE *f = fopen(ctl, "a");
	if (f) {
		fprintf(f, "%s\n", cmd);
		fclose(f);
	}
}

static void record(struct worker *w, double ns)
{
	w->lat_seen++;
	if (w->lat_n < lat_cap) {
		w->lat[w->lat_n++] = ns;
	} else {
		unsigned long long j = ((unsigned long long)xorshift(w) << 32 | xorshift(w)) % w->lat_seen;
		if (j < lat_cap)
			w->lat[j] = ns;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct io_uring_sqe *get_sqe(struct worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	while (!sqe) { /* SQ full: flush and retry, never drop */
		int ret = io_uring_submit(&w->ring);
		if (ret < 0 && ret != -EBUSY && ret != -EAGAIN)
			fail("io_uring_submit", -ret);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

static long long next_offset(struct worker *w)
{
	long long blocks = cfg.span / cfg.bs;
	if (cfg.seq) {
		long long off = w->seq_cursor;
		w->seq_cursor += cfg.bs;
		if (w->seq_cursor + cfg.bs > blocks * cfg.bs)
			w->seq_cursor = 0;
		return off;
	}
	return (long long)(xorshift(w) % (uint64_t)blocks) * cfg.bs;
}

/* Arms slot i with its next operation. */
static void arm(struct worker *w, int i, double t)
{
	struct slot *s = &w->slots[i];
	struct io_uring_sqe *sqe = get_sqe(w);
	switch (cfg.op) {
	case OP_READ:
		s->state = S_IO;
		if (cfg.fixed_bufs)
			io_uring_prep_read_fixed(sqe, cfg.reg_files ? 0 : w->data_fd, s->buf, cfg.bs, next_offset(w), i);
		else
			io_uring_prep_read(sqe, cfg.reg_files ? 0 : w->data_fd, s->buf, cfg.bs, next_offset(w));
		if (cfg.reg_files)
			sqe->flags |= IOSQE_FIXED_FILE;
		break;
	case OP_WRITE:
		if (cfg.fdatasync_every && w->writes_since_sync >= (unsigned long long)cfg.fdatasync_every &&
		    !w->sync_inflight) {
			w->writes_since_sync = 0;
			w->sync_inflight = 1;
			s->state = S_SYNC;
			io_uring_prep_fsync(sqe, w->data_fd, IORING_FSYNC_DATASYNC);
		} else {
			s->state = S_IO;
			if (cfg.fixed_bufs)
				io_uring_prep_write_fixed(sqe, cfg.reg_files ? 0 : w->data_fd, s->buf, cfg.bs, next_offset(w), i);
			else
				io_uring_prep_write(sqe, cfg.reg_files ? 0 : w->data_fd, s->buf, cfg.bs, next_offset(w));
			if (cfg.reg_files)
				sqe->flags |= IOSQE_FIXED_FILE;
		}
		break;
	case OP_NOP:
		s->state = S_IO;
		io_uring_prep_nop(sqe);
		break;
	case OP_STAT:
		s->state = S_IO;
		io_uring_prep_statx(sqe, AT_FDCWD, paths[w->file_cursor], 0, STATX_BASIC_STATS, &s->stx);
		w->file_cursor = (w->file_cursor + 1) % cfg.nfiles;
		break;
	case OP_ORC:
		s->state = S_OPEN;
		io_uring_prep_openat(sqe, AT_FDCWD, paths[w->file_cursor], O_RDONLY, 0);
		w->file_cursor = (w->file_cursor + 1) % cfg.nfiles;
		break;
	}
	s->start_ns = t;
	io_uring_sqe_set_data64(sqe, (uint64_t)i);
}

/* Continues slot i's open -> read -> close chain; returns 1 when the file is done. */
static int orc_step(struct worker *w, int i, int res)
{
	struct slot *s = &w->slots[i];
	struct io_uring_sqe *sqe;
	switch (s->state) {
	case S_OPEN:
		if (res < 0)
			fail("openat", -res);
		s->fd = res;
		s->state = S_READ;
		sqe = get_sqe(w);
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
		sqe = get_sqe(w);
		io_uring_prep_close(sqe, s->fd);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		return 0;
	default:
		if (res < 0)
			fail("close", -res);
		return 1;
	}
}

static int setup_ring(struct io_uring *ring, unsigned entries, unsigned *flags)
{
	/* The flags uring-fs sets its rings up with (native/ring.cc's ladder), so the
	 * two do the same work; --defer-taskrun tries DEFER_TASKRUN first instead, which
	 * uring-fs cannot use (a FIFO read then stalls the ring's other completions). */
	static const unsigned tries[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SINGLE_ISSUER,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	static const unsigned defer_tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	/* --sqpoll: a kernel SQ thread (the kernel's default idle time, 1 s); the task-run
	 * flags are refused beside it (EINVAL), SINGLE_ISSUER is not. */
	static const unsigned sq_tries[] = {
		IORING_SETUP_SQPOLL | IORING_SETUP_SINGLE_ISSUER,
		IORING_SETUP_SQPOLL,
	};
	const unsigned *list = cfg.sqpoll ? sq_tries : cfg.defer_taskrun ? defer_tries : tries;
	unsigned n = cfg.sqpoll ? sizeof(sq_tries) / sizeof(sq_tries[0]) : sizeof(tries) / sizeof(tries[0]);
	int ret = -EINVAL;
	for (unsigned k = 0; k < n; k++) {
		struct io_uring_params p;
		memset(&p, 0, sizeof(p));
		p.flags = list[k];
		ret = io_uring_queue_init_params(entries, ring, &p);
		if (ret == 0) {
			*flags = list[k];
			return 0;
		}
		if (ret != -EINVAL)
			break;
	}
	return ret;
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
	FLAG(IORING_SETUP_SQPOLL, "SQPOLL");
	FLAG(IORING_SETUP_SINGLE_ISSUER, "SINGLE_ISSUER");
	FLAG(IORING_SETUP_DEFER_TASKRUN, "DEFER_TASKRUN");
	FLAG(IORING_SETUP_COOP_TASKRUN, "COOP_TASKRUN");
	FLAG(IORING_SETUP_TASKRUN_FLAG, "TASKRUN_FLAG");
	FLAG(IORING_SETUP_SUBMIT_ALL, "SUBMIT_ALL");
#undef FLAG
	printf("]");
}

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Everything a thread needs before the start line: fd, ring (SINGLE_ISSUER: set up by the
 * thread that submits), buffers. */
static void prepare(struct worker *w)
{
	if (cfg.op == OP_READ || cfg.op == OP_WRITE) {
		int flags = (cfg.op == OP_WRITE ? O_WRONLY : O_RDONLY) | (cfg.direct ? O_DIRECT : 0);
		w->data_fd = open(cfg.file, flags);
		if (w->data_fd < 0)
			fail(cfg.file, errno);
	}
	int ret = setup_ring(&w->ring, cfg.qd < 4 ? 8 : (unsigned)cfg.qd * 2, &w->flags);
	if (ret)
		fail("io_uring_queue_init", -ret);
	w->slots = calloc(cfg.qd, sizeof(*w->slots));
	size_t buf_size = cfg.op == OP_ORC ? 8192 : (size_t)cfg.bs;
	for (int i = 0; i < cfg.qd; i++) {
		/* posix_memalign: page-aligned, as the Node contenders' buffers (O_DIRECT needs it). */
		void *p;
		if (posix_memalign(&p, 4096, buf_size + (size_t)cfg.buf_offset))
			fail("posix_memalign", ENOMEM);
		memset(p, 0xa5, buf_size + (size_t)cfg.buf_offset);
		w->slots[i].buf = (char *)p + cfg.buf_offset;
	}
	if ((cfg.op == OP_READ || cfg.op == OP_WRITE) && cfg.fixed_bufs) {
		/* One registered buffer per slot: slot i's reads are READ_FIXED with buf_index i. */
		struct iovec *iov = calloc(cfg.qd, sizeof(*iov));
		for (int i = 0; i < cfg.qd; i++) {
			iov[i].iov_base = w->slots[i].buf;
			iov[i].iov_len = buf_size;
		}
		ret = io_uring_register_buffers(&w->ring, iov, cfg.qd);
		if (ret)
			fail("io_uring_register_buffers", -ret);
		free(iov);
	}
	if ((cfg.op == OP_READ || cfg.op == OP_WRITE) && cfg.reg_files) {
		ret = io_uring_register_files(&w->ring, &w->data_fd, 1);
		if (ret)
			fail("io_uring_register_files", -ret);
	}
	w->lat = malloc(sizeof(double) * lat_cap);
	if (!w->lat)
		fail("malloc", ENOMEM);
	w->rng = cfg.seed ^ (uint32_t)(w->index * 0x9e3779b9u);
	if (!w->rng)
		w->rng = 1;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	prepare(w);
	pthread_barrier_wait(&start_line);

	double t_start = now_ns();
	double warm_end = t_start + cfg.warmup * 1e9;
	double end = warm_end + cfg.duration * 1e9;
	double t0 = 0, t1 = 0;
	struct rusage ru0, ru1;
	long long rb0 = 0, rb1 = 0;
	int measuring = 0, stopping = 0;
	int inflight = 0;

	for (int i = 0; i < cfg.qd; i++) {
		arm(w, i, t_start);
		inflight++;
	}
	while (inflight > 0) {
		int ret = io_uring_submit_and_wait(&w->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EBUSY && ret != -EAGAIN)
			fail("io_uring_submit_and_wait", -ret);
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		double t = now_ns();
		if (!measuring && t >= warm_end) {
			measuring = 1;
			t0 = t;
			if (w->index == 0)
				perf_control("enable");
			getrusage(RUSAGE_SELF, &ru0);
			rb0 = proc_read_bytes();
		}
		if (measuring && !stopping && t >= end) {
			stopping = 1;
			t1 = t;
			getrusage(RUSAGE_SELF, &ru1);
			rb1 = proc_read_bytes();
			if (w->index == 0)
				perf_control("disable");
		}
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			seen++;
			int i = (int)io_uring_cqe_get_data64(cqe);
			int res = cqe->res;
			struct slot *s = &w->slots[i];
			int done = 1;
			switch (cfg.op) {
			case OP_READ:
			case OP_WRITE:
				if (s->state == S_SYNC) {
					if (res < 0)
						fail("fdatasync", -res);
					w->sync_inflight = 0;
					w->syncs += measuring && !stopping;
					done = 0; /* a sync is not an op; its time delays this slot */
					break;
				}
				if (res < 0)
					fail(cfg.op == OP_READ ? "read" : "write", -res);
				if (res != cfg.bs)
					fail("short transfer", EIO);
				if (cfg.op == OP_WRITE)
					w->writes_since_sync++;
				break;
			case OP_NOP:
				break;
			case OP_STAT:
				if (res < 0)
					fail("statx", -res);
				break;
			case OP_ORC:
				done = orc_step(w, i, res);
				if (!done)
					continue;
				break;
			}
			if (done && measuring && !stopping) {
				w->ops++;
				record(w, t - s->start_ns);
			}
			if (stopping)
				inflight--;
			else
				arm(w, i, t);
		}
		io_uring_cq_advance(&w->ring, seen);
	}
	w->seconds = (t1 - t0) / 1e9;
	w->cpu_user = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	w->cpu_sys = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	w->read_bytes = rb0 >= 0 && rb1 >= rb0 ? (unsigned long long)(rb1 - rb0) : 0;
	io_uring_queue_exit(&w->ring);
	return NULL;
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
		else if (!strcmp(a, "--sqpoll"))
			cfg.sqpoll = 1;
		else if (!strcmp(a, "--defer-taskrun"))
			cfg.defer_taskrun = 1;
		else if (!strcmp(a, "--fixed-bufs"))
			cfg.fixed_bufs = 1;
		else if (!strcmp(a, "--reg-files"))
			cfg.reg_files = 1;
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
		else if (ARG("--threads")) cfg.threads = atoi(v);
		else if (ARG("--buf-offset")) cfg.buf_offset = atoll(v);
		else {
			printf("{\"ok\":false,\"error\":\"unknown or incomplete argument: %s\"}\n", a);
			return 1;
		}
#undef ARG
	}

	if (probe) {
		struct io_uring ring;
		int ret = setup_ring(&ring, 8, &setup_flags);
		if (ret)
			fail("io_uring_queue_init", -ret);
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

	if (cfg.qd < 1 || cfg.bs < 1 || cfg.threads < 1 || cfg.threads > 64 || cfg.buf_offset < 0 || cfg.buf_offset > 4095)
		fail("--qd/--bs/--threads/--buf-offset", EINVAL);
	if (cfg.op == OP_READ || cfg.op == OP_WRITE) {
		if (!cfg.file)
			fail("--file", EINVAL);
		struct stat st;
		if (stat(cfg.file, &st))
			fail(cfg.file, errno);
		if (!cfg.span)
			cfg.span = st.st_size;
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
	lat_cap = (4u << 20) / (unsigned)cfg.threads;

	struct worker *ws = calloc(cfg.threads, sizeof(*ws));
	pthread_barrier_init(&start_line, NULL, (unsigned)cfg.threads);
	for (int k = 0; k < cfg.threads; k++) {
		ws[k].index = k;
		ws[k].data_fd = -1;
		if (k == 0)
			continue; /* thread 0 is this one */
		int err = pthread_create(&ws[k].tid, NULL, run, &ws[k]);
		if (err)
			fail("pthread_create", err);
	}
	run(&ws[0]);
	for (int k = 1; k < cfg.threads; k++)
		pthread_join(ws[k].tid, NULL);
	setup_flags = ws[0].flags;

	/* Totals: the threads' rates add up; CPU is the process's (every thread) over the mean
	 * window; latency percentiles over every thread's samples. */
	unsigned long long ops = 0, syncs = 0, read_bytes = 0, n = 0;
	double rate = 0, cpu_user_rate = 0, cpu_sys_rate = 0;
	for (int k = 0; k < cfg.threads; k++) {
		struct worker *w = &ws[k];
		ops += w->ops;
		syncs += w->syncs;
		n += w->lat_n;
		if (w->read_bytes > read_bytes)
			read_bytes = w->read_bytes; /* process-wide over overlapping windows: the largest */
		if (w->seconds > 0) {
			rate += w->ops / w->seconds;
			cpu_user_rate += w->cpu_user / w->seconds / cfg.threads;
			cpu_sys_rate += w->cpu_sys / w->seconds / cfg.threads;
		}
	}
	double seconds = rate > 0 ? ops / rate : 0;
	double *all = malloc(sizeof(double) * (n ? n : 1));
	unsigned long long m = 0;
	for (int k = 0; k < cfg.threads; k++) {
		memcpy(all + m, ws[k].lat, sizeof(double) * ws[k].lat_n);
		m += ws[k].lat_n;
	}
	qsort(all, n, sizeof(double), cmp_double);
#define PCT(p) (n ? all[(unsigned long long)((p) * (n - 1) + 0.5)] / 1000.0 : 0)
	printf("{\"ok\":true,\"ops\":%llu,\"seconds\":%.6f,\"lat_us\":{\"p50\":%.3f,\"p99\":%.3f,"
	       "\"p999\":%.3f,\"samples\":%llu},\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"read_bytes\":%llu,"
	       "\"syncs\":%llu,\"threads\":[",
	       ops, seconds, PCT(0.50), PCT(0.99), PCT(0.999), n, cpu_user_rate * seconds, cpu_sys_rate * seconds,
	       read_bytes, syncs);
#undef PCT
	for (int k = 0; k < cfg.threads; k++)
		printf("%s{\"ops\":%llu,\"seconds\":%.6f}", k ? "," : "", ws[k].ops, ws[k].seconds);
	printf("],");
	print_flags();
	printf("}\n");
	return 0;
}
