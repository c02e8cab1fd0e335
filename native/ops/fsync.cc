// IORING_OP_FSYNC (Linux 5.1): I0 fd, I1 datasync (1: fdatasync).
#include "table.h"

namespace uringfs {
int PrepFsync(OpArgs& a, io_uring_sqe* sqe) {
  io_uring_prep_fsync(sqe, a.Int(0), a.Uint(1) ? IORING_FSYNC_DATASYNC : 0);
  return 0;
}
}  // namespace uringfs
