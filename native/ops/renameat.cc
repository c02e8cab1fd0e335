// IORING_OP_RENAMEAT (Linux 5.11): O0 from, O1 to.
#include "table.h"

namespace uringfs {
int PrepRenameat(OpArgs& a, io_uring_sqe* sqe) {
  const char* from = a.Path(0);
  const char* to = a.Path(1);
  if (!from || !to) return -EFAULT;
  io_uring_prep_renameat(sqe, AT_FDCWD, from, AT_FDCWD, to, 0);
  return 0;
}
}  // namespace uringfs
