// IORING_OP_WRITE (Linux 5.6): I0 fd, O0 view, F0 position (-1: the file's
// current position), F1/F2 the window of the view to write, I1 the index of
// the registered buffer the window lies in (ring.registerBuffers), or -1. In
// a registered buffer it is IORING_OP_WRITE_FIXED (Linux 5.1).
#include "table.h"

namespace uringfs {
int PrepWrite(OpArgs& a, io_uring_sqe* sqe) {
  uint8_t* data;
  uint32_t len;
  if (!a.Window(0, 1, &data, &len)) return -EFAULT;
  int idx = a.FixedIndex(1, data, len);
  if (idx >= 0) {
    io_uring_prep_write_fixed(sqe, a.Int(0), data, len, a.Offset(0), idx);
  } else {
    io_uring_prep_write(sqe, a.Int(0), data, len, a.Offset(0));
  }
  return 0;
}
}  // namespace uringfs
