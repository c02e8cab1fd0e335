// IORING_OP_UNLINKAT (Linux 5.11): O0 path, I0 flags (AT_REMOVEDIR is rmdir).
#include "table.h"

namespace uringfs {
int PrepUnlinkat(OpArgs& a, io_uring_sqe* sqe) {
  const char* path = a.Path(0);
  if (!path) return -EFAULT;
  io_uring_prep_unlinkat(sqe, AT_FDCWD, path, a.Int(0));
  return 0;
}
}  // namespace uringfs
