// IORING_OP_OPENAT (Linux 5.6): O0 path, I0 flags, I1 mode. O_CLOEXEC is always
// added, as libuv does for node:fs, so child processes never inherit our fds.
#include "table.h"

namespace uringfs {
int PrepOpenat(OpArgs& a, io_uring_sqe* sqe) {
  const char* path = a.Path(0);
  if (!path) return -EFAULT;
  io_uring_prep_openat(sqe, AT_FDCWD, path, a.Int(0) | O_CLOEXEC, a.Uint(1));
  return 0;
}
}  // namespace uringfs
