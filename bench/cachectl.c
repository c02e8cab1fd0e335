// cachectl: the page-cache state of the benchmark's data, measured and set the same way before
// every hot case and run (see bench/README.md, "Page cache"). Built beside c-liburing by
// bench/lib/cprog.mjs:
//   cc -O2 -Wall -o bench/bin/cachectl bench/cachectl.c
//
// Usage (one JSON object on stdout; {"ok":false,"error":".."} and exit 1 on failure):
//   cachectl resident FILE [SPAN]                 pages of [0, SPAN) in the page cache (mincore)
//   cachectl resident --files-dir D --nfiles N    the same over D/f00000 .. D/f<N-1>
//   cachectl drop FILE                            fdatasync, then POSIX_FADV_DONTNEED the whole file
//   cachectl load-rand FILE SPAN                  read [0, SPAN) back in 4 KiB reads in a shuffled
//                                                 order with POSIX_FADV_RANDOM (no readahead), so the
//                                                 page cache holds 4 KiB folios
//   cachectl pin FILE SPAN | --files-dir D --nfiles N
//                                                 map the pages and mlock them, print {"ok":true,..}
//                                                 and hold them until stdin closes: the kernel
//                                                 cannot evict them meanwhile (proactive reclaim,
//                                                 memory pressure). Needs CAP_IPC_LOCK or a large
//                                                 enough RLIMIT_MEMLOCK.
//
// `resident` maps the file without touching it: mincore(2) on a shared file mapping reports the
// page cache itself, and an untouched mapping changes nothing in it. `drop` only ever drops clean
// pages of a file the caller names; nothing is written except what fdatasync flushes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static long page;

static void fail(const char *what, int err)
{
	printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, strerror(err));
	exit(1);
}

/* Adds the resident and total pages of [0, span) of `path` (span 0: the whole file). */
static void resident(const char *path, long long span, unsigned long long *res, unsigned long long *total)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		fail(path, errno);
	struct stat st;
	if (fstat(fd, &st))
		fail("fstat", errno);
	long long len = st.st_size;
	if (span > 0 && span < len)
		len = span;
	if (len > 0) {
		size_t pages = (size_t)((len + page - 1) / page);
		void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			fail("mmap", errno);
		unsigned char *vec = malloc(pages);
		if (!vec)
			fail("malloc", ENOMEM);
		if (mincore(m, (size_t)len, vec))
			fail("mincore", errno);
		for (size_t i = 0; i < pages; i++)
			*res += vec[i] & 1;
		*total += pages;
		free(vec);
		munmap(m, (size_t)len);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	if (argc < 3)
		fail("usage: cachectl resident|drop|load-rand ...", EINVAL);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "resident")) {
		unsigned long long res = 0, total = 0;
		if (!strcmp(argv[2], "--files-dir")) {
			if (argc < 6 || strcmp(argv[4], "--nfiles"))
				fail("resident --files-dir D --nfiles N", EINVAL);
			int n = atoi(argv[5]);
			char p[4096];
			for (int i = 0; i < n; i++) {
				snprintf(p, sizeof p, "%s/f%05d", argv[3], i);
				resident(p, 0, &res, &total);
			}
		} else {
			resident(argv[2], argc > 3 ? atoll(argv[3]) : 0, &res, &total);
		}
		printf("{\"ok\":true,\"pageSize\":%ld,\"pages\":%llu,\"resident\":%llu}\n", page, total, res);
		return 0;
	}
	if (!strcmp(cmd, "drop")) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			fail(argv[2], errno);
		if (fdatasync(fd)) /* dirty pages are not dropped; write them first */
			fail("fdatasync", errno);
		int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (err)
			fail("posix_fadvise", err);
		close(fd);
		printf("{\"ok\":true}\n");
		return 0;
	}
	if (!strcmp(cmd, "load-rand")) {
		if (argc < 4)
			fail("load-rand FILE SPAN", EINVAL);
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			fail(argv[2], errno);
		int err = posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
		if (err)
			fail("posix_fadvise", err);
		uint64_t blocks = (uint64_t)atoll(argv[3]) / 4096;
		/* Every block once, in the order of a full-period LCG over the next power of two. */
		uint64_t m = 1;
		while (m < blocks)
			m <<= 1;
		static char buf[4096] __attribute__((aligned(4096)));
		uint64_t x = 12345 & (m - 1);
		for (uint64_t k = 0; k < m; k++) {
			x = (x * 6364136223846793005ULL + 1442695040888963407ULL) & (m - 1);
			if (x < blocks && pread(fd, buf, sizeof buf, (off_t)(x * 4096)) < 0)
				fail("pread", errno);
		}
		close(fd);
		printf("{\"ok\":true}\n");
		return 0;
	}
	if (!strcmp(cmd, "pin")) {
		unsigned long long bytes = 0;
		int n = 1;
		const char *dir = NULL;
		if (!strcmp(argv[2], "--files-dir")) {
			if (argc < 6 || strcmp(argv[4], "--nfiles"))
				fail("pin --files-dir D --nfiles N", EINVAL);
			dir = argv[3];
			n = atoi(argv[5]);
		}
		char p[4096];
		for (int i = 0; i < n; i++) {
			const char *path = argv[2];
			if (dir) {
				snprintf(p, sizeof p, "%s/f%05d", dir, i);
				path = p;
			}
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				fail(path, errno);
			struct stat st;
			if (fstat(fd, &st))
				fail("fstat", errno);
			long long len = st.st_size;
			if (!dir && argc > 3 && atoll(argv[3]) > 0 && atoll(argv[3]) < len)
				len = atoll(argv[3]);
			if (len > 0) {
				void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
				if (m == MAP_FAILED)
					fail("mmap", errno);
				if (mlock(m, (size_t)len))
					fail("mlock", errno);
				bytes += (unsigned long long)len;
			}
			close(fd); /* the mapping keeps the file */
		}
		printf("{\"ok\":true,\"pinnedBytes\":%llu}\n", bytes);
		fflush(stdout);
		char c;
		while (read(0, &c, 1) > 0)
			;
		return 0; /* exit unlocks and unmaps */
	}
	fail(cmd, EINVAL);
	return 1;
}
