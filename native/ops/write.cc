// IORING_OP_WRITE (Linux 5.6): write(fd, view, position[, offsetInView, length]).
#include "table.h"

namespace uringfs {
int PrepWrite(OpArgs& a, io_uring_sqe* sqe) {
  uint8_t* data;
  uint32_t len;
  if (!a.Window(1, 3, &data, &len)) return -EFAULT;
  io_uring_prep_write(sqe, a.Int(0), data, len, a.Offset(2));
  return 0;
}
}  // namespace uringfs
