// The op list: one line per opcode the ring exposes to JavaScript.
// X(name, io_uring opcode, prep function in native/ops/<name>.cc)
// An op's index in this list is how a staged record names it (the addon tells
// JavaScript the indices at init: ring.info().opIndex).
// Adding an op: one line here, one native/ops/<op>.cc, one src/ops/<op>.ts, one test.
#pragma once

#include "common.h"

// IORING_OP_FTRUNCATE arrived in Linux 6.9, after the liburing 2.3 headers
// Debian 12 ships; the probe tells at run time whether the kernel has it.
#ifndef URING_FS_OP_FTRUNCATE
#define URING_FS_OP_FTRUNCATE 55
#endif

#define URING_FS_OPS(X)                              \
  X(nop, IORING_OP_NOP, PrepNop)                     \
  X(read, IORING_OP_READ, PrepRead)                  \
  X(write, IORING_OP_WRITE, PrepWrite)               \
  X(readv, IORING_OP_READV, PrepReadv)               \
  X(writev, IORING_OP_WRITEV, PrepWritev)            \
  X(fsync, IORING_OP_FSYNC, PrepFsync)               \
  X(openat, IORING_OP_OPENAT, PrepOpenat)            \
  X(close, IORING_OP_CLOSE, PrepClose)               \
  X(statx, IORING_OP_STATX, PrepStatx)               \
  X(ftruncate, URING_FS_OP_FTRUNCATE, PrepFtruncate) \
  X(fallocate, IORING_OP_FALLOCATE, PrepFallocate)   \
  X(unlinkat, IORING_OP_UNLINKAT, PrepUnlinkat)      \
  X(renameat, IORING_OP_RENAMEAT, PrepRenameat)      \
  X(mkdirat, IORING_OP_MKDIRAT, PrepMkdirat)         \
  X(symlinkat, IORING_OP_SYMLINKAT, PrepSymlinkat)   \
  X(linkat, IORING_OP_LINKAT, PrepLinkat)

namespace uringfs {
#define URING_FS_DECLARE_PREP(name, opcode, fn) \
  int fn(OpArgs& args, io_uring_sqe* sqe);
URING_FS_OPS(URING_FS_DECLARE_PREP)
#undef URING_FS_DECLARE_PREP
}  // namespace uringfs
