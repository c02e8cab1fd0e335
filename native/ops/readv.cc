// IORING_OP_READV (Linux 5.1): readv(fd, views[], position). The iovec array
// lives in the slot until the CQE: the kernel may read it after submit returns.
#include "table.h"

namespace uringfs {
int PrepReadv(OpArgs& a, io_uring_sqe* sqe) {
  if (!a.Iovecs(1)) return -EFAULT;
  io_uring_prep_readv(sqe, a.Int(0), a.iov.data(), static_cast<unsigned>(a.iov.size()), a.Offset(2));
  return 0;
}
}  // namespace uringfs
