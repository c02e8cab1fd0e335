// IORING_OP_READ (Linux 5.6): I0 fd, O0 view, F0 position (-1: the file's
// current position), F1/F2 the window of the view to read into, I1 the index
// of the registered buffer the window lies in (ring.registerBuffers), or -1.
// In a registered buffer it is IORING_OP_READ_FIXED (Linux 5.1): the kernel
// uses the pages it pinned at registration instead of pinning them per op.
#include "table.h"

namespace uringfs {
int PrepRead(OpArgs& a, io_uring_sqe* sqe) {
  uint8_t* data;
  uint32_t len;
  if (!a.Window(0, 1, &data, &len)) return -EFAULT;
  int idx = a.FixedIndex(1, data, len);
  if (idx >= 0) {
    io_uring_prep_read_fixed(sqe, a.Int(0), data, len, a.Offset(0), idx);
  } else {
    io_uring_prep_read(sqe, a.Int(0), data, len, a.Offset(0));
  }
  return 0;
}
}  // namespace uringfs
