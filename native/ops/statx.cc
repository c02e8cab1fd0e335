// IORING_OP_STATX (Linux 5.6): statx(dirfd, path, flags, out). JavaScript passes
// a 256-byte view for the struct statx and keeps it alive until the CQE; the
// mask is libuv's (basic stats and birth time), so the numbers match node:fs.
#include <linux/stat.h>

#include "table.h"

namespace uringfs {
int PrepStatx(OpArgs& a, io_uring_sqe* sqe) {
  const char* path = a.Path(1);
  uint8_t* out = nullptr;
  size_t len = 0;
  if (!path || !a.View(3, &out, &len) || !out || len < sizeof(struct statx)) return -EFAULT;
  io_uring_prep_statx(sqe, a.Int(0), path, static_cast<int>(a.Uint(2)) | AT_STATX_SYNC_AS_STAT,
                      STATX_BASIC_STATS | STATX_BTIME, reinterpret_cast<struct statx*>(out));
  return 0;
}
}  // namespace uringfs
