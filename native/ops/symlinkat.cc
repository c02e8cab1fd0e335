// IORING_OP_SYMLINKAT (Linux 5.15): O0 target, O1 the link's path.
#include "table.h"

namespace uringfs {
int PrepSymlinkat(OpArgs& a, io_uring_sqe* sqe) {
  const char* target = a.Path(0);
  const char* linkpath = a.Path(1);
  if (!target || !linkpath) return -EFAULT;
  io_uring_prep_symlinkat(sqe, target, AT_FDCWD, linkpath);
  return 0;
}
}  // namespace uringfs
