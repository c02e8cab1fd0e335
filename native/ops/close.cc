// IORING_OP_CLOSE (Linux 5.6): I0 fd, or with I1 = 1 the fixed-file slot I0 to
// empty (5.15).
#include "table.h"

namespace uringfs {
int PrepClose(OpArgs& a, io_uring_sqe* sqe) {
  if (a.Int(1) == 1) io_uring_prep_close_direct(sqe, a.Uint(0));
  else io_uring_prep_close(sqe, a.Int(0));
  return 0;
}
}  // namespace uringfs
