// IORING_OP_READV (Linux 5.1): I0 fd, O0 views, O1 their byte lengths
// (Float64Array), F0 position. No views: EINVAL, as node:fs gives. The iovec array lives in the slot until the CQE:
// the kernel may read it after submit returns.
#include "table.h"

namespace uringfs {
int PrepReadv(OpArgs& a, io_uring_sqe* sqe) {
  if (!a.Iovecs(0)) return -EFAULT;
  // libuv (so node:fs) refuses zero buffers with EINVAL; the kernel would read nothing.
  if (a.iov.empty()) return -EINVAL;
  io_uring_prep_readv(sqe, a.Int(0), a.iov.data(), static_cast<unsigned>(a.iov.size()), a.Offset(0));
  return 0;
}
}  // namespace uringfs
