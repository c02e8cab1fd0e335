// IORING_OP_LINKAT (Linux 5.15): O0 the existing path, O1 the new one. No
// AT_SYMLINK_FOLLOW: link(2) and node:fs do not follow a symlink given as the
// existing path either.
#include "table.h"

namespace uringfs {
int PrepLinkat(OpArgs& a, io_uring_sqe* sqe) {
  const char* existing = a.Path(0);
  const char* created = a.Path(1);
  if (!existing || !created) return -EFAULT;
  io_uring_prep_linkat(sqe, AT_FDCWD, existing, AT_FDCWD, created, 0);
  return 0;
}
}  // namespace uringfs
