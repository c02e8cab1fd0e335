// IORING_OP_FTRUNCATE (Linux 6.9): I0 fd, F0 length. The kernel reads the
// length from sqe->off and insists every other field is zero.
#include "table.h"

namespace uringfs {
int PrepFtruncate(OpArgs& a, io_uring_sqe* sqe) {
  io_uring_prep_rw(URING_FS_OP_FTRUNCATE, sqe, a.Int(0), nullptr, 0, a.Offset(0));
  return 0;
}
}  // namespace uringfs
