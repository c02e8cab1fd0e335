// IORING_OP_OPENAT (Linux 5.6): O0 path, I0 flags, I1 mode, I2 fixed-file slot
// + 1 to open straight into that slot of the registered file table (5.15; the
// result is 0, and later ops name the file by its slot with IOSQE_FIXED_FILE),
// or 0 for an ordinary fd. O_CLOEXEC is always added, as libuv does for
// node:fs, so child processes never inherit our fds.
#include "table.h"

namespace uringfs {
int PrepOpenat(OpArgs& a, io_uring_sqe* sqe) {
  const char* path = a.Path(0);
  if (!path) return -EFAULT;
  uint32_t slot = a.Uint(2);
  if (slot > 0) {
    // Not O_CLOEXEC: a slot is no fd to inherit, and the kernel refuses the
    // flag there (EINVAL).
    io_uring_prep_openat_direct(sqe, AT_FDCWD, path, a.Int(0) & ~O_CLOEXEC, a.Uint(1), slot - 1);
  } else {
    io_uring_prep_openat(sqe, AT_FDCWD, path, a.Int(0) | O_CLOEXEC, a.Uint(1));
  }
  return 0;
}
}  // namespace uringfs
