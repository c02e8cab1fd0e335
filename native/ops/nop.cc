// IORING_OP_NOP: no arguments; measures the cost of a round trip through the ring.
#include "table.h"

namespace uringfs {
int PrepNop(OpArgs&, io_uring_sqe* sqe) {
  io_uring_prep_nop(sqe);
  return 0;
}
}  // namespace uringfs
