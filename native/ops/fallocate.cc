// IORING_OP_FALLOCATE (Linux 5.6): I0 fd, I1 mode, F0 offset, F1 length.
#include "table.h"

namespace uringfs {
int PrepFallocate(OpArgs& a, io_uring_sqe* sqe) {
  io_uring_prep_fallocate(sqe, a.Int(0), a.Int(1), static_cast<off_t>(a.Offset(0)), static_cast<off_t>(a.Offset(1)));
  return 0;
}
}  // namespace uringfs
