// IORING_OP_FALLOCATE (Linux 5.6): fallocate(fd, offset, length, mode).
#include "table.h"

namespace uringfs {
int PrepFallocate(OpArgs& a, io_uring_sqe* sqe) {
  io_uring_prep_fallocate(sqe, a.Int(0), a.Int(3), static_cast<off_t>(a.Offset(1)),
                          static_cast<off_t>(a.Offset(2)));
  return 0;
}
}  // namespace uringfs
