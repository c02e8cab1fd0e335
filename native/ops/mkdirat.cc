// IORING_OP_MKDIRAT (Linux 5.15): O0 path, I0 mode.
#include "table.h"

namespace uringfs {
int PrepMkdirat(OpArgs& a, io_uring_sqe* sqe) {
  const char* path = a.Path(0);
  if (!path) return -EFAULT;
  io_uring_prep_mkdirat(sqe, AT_FDCWD, path, a.Uint(0));
  return 0;
}
}  // namespace uringfs
