// IORING_OP_STATX (Linux 5.6): I0 dirfd, O0 path, I1 flags, O1 a 256-byte view
// for the struct statx (JavaScript keeps it alive until the CQE). The mask is
// libuv's (basic stats and birth time), so the numbers match node:fs.
#include "table.h"

namespace uringfs {
int PrepStatx(OpArgs& a, io_uring_sqe* sqe) {
  const char* path = a.Path(0);
  uint8_t* out = a.Out(1, sizeof(struct statx));
  if (!path || !out) return -EFAULT;
  io_uring_prep_statx(sqe, a.Int(0), path, a.Int(1) | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
                      reinterpret_cast<struct statx*>(out));
  return 0;
}
}  // namespace uringfs
