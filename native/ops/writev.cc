// IORING_OP_WRITEV (Linux 5.1): I0 fd, O0 views, O1 their byte lengths
// (Float64Array), F0 position. The iovec array lives in the slot until the CQE:
// the kernel may read it after submit returns.
#include "table.h"

namespace uringfs {
int PrepWritev(OpArgs& a, io_uring_sqe* sqe) {
  if (!a.Iovecs(0)) return -EFAULT;
  io_uring_prep_writev(sqe, a.Int(0), a.iov.data(), static_cast<unsigned>(a.iov.size()), a.Offset(0));
  return 0;
}
}  // namespace uringfs
