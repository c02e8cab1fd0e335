// IORING_OP_FSYNC (Linux 5.1): fsync(fd, datasync). datasync=1 is fdatasync.
#include "table.h"

namespace uringfs {
int PrepFsync(OpArgs& a, io_uring_sqe* sqe) {
  io_uring_prep_fsync(sqe, a.Int(0), a.Uint(1) ? IORING_FSYNC_DATASYNC : 0);
  return 0;
}
}  // namespace uringfs
