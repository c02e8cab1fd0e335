// IORING_OP_CLOSE (Linux 5.6): I0 fd.
#include "table.h"

namespace uringfs {
int PrepClose(OpArgs& a, io_uring_sqe* sqe) {
  io_uring_prep_close(sqe, a.Int(0));
  return 0;
}
}  // namespace uringfs
