// IORING_OP_READ (Linux 5.6): I0 fd, O0 view, F0 position (-1: the file's
// current position), F1/F2 the window of the view to read into.
#include "table.h"

namespace uringfs {
int PrepRead(OpArgs& a, io_uring_sqe* sqe) {
  uint8_t* data;
  uint32_t len;
  if (!a.Window(0, 1, &data, &len)) return -EFAULT;
  io_uring_prep_read(sqe, a.Int(0), data, len, a.Offset(0));
  return 0;
}
}  // namespace uringfs
