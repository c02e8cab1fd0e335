// deny-io-uring: run a command with io_uring refused the way container runtimes
// refuse it. Docker's default seccomp profile (moby 25+) and Kubernetes'
// RuntimeDefault leave io_uring_setup, io_uring_enter and io_uring_register out
// of their allowlists, so those calls fail with EPERM; this installs a filter
// that does exactly that, then execs the command.
//
//   deny-io-uring [--errno=N] command [args...]
//
// The syscall numbers are the asm-generic ones, shared by every architecture
// since Linux 5.1 (425, 426, 427).
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NR_IO_URING_SETUP 425
#define NR_IO_URING_ENTER 426
#define NR_IO_URING_REGISTER 427

int main(int argc, char** argv) {
  int err = EPERM;
  int first = 1;
  if (argc > 1 && strncmp(argv[1], "--errno=", 8) == 0) {
    err = atoi(argv[1] + 8);
    first = 2;
  }
  if (first >= argc) {
    fprintf(stderr, "usage: %s [--errno=N] command [args...]\n", argv[0]);
    return 2;
  }
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_IO_URING_SETUP, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_IO_URING_ENTER, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_IO_URING_REGISTER, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
  };
  struct sock_fprog prog = {sizeof(filter) / sizeof(filter[0]), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("deny-io-uring: PR_SET_NO_NEW_PRIVS");
    return 2;
  }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    perror("deny-io-uring: PR_SET_SECCOMP");
    return 2;
  }
  execvp(argv[first], argv + first);
  perror("deny-io-uring: exec");
  return 127;
}
