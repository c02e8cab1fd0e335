// Module init: one set of exports per JavaScript environment (main thread and
// each worker load the addon separately; nothing here is static or global).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <napi.h>

#include <vector>

#include "doctor.h"
#include "ring.h"

namespace uringfs {

namespace {

void FreeAligned(napi_env, void* data, void*) { free(data); }

// allocAligned(size, alignment): a Buffer whose memory starts on an
// `alignment` boundary, as O_DIRECT needs. JavaScript validates the arguments.
// Raw napi, failing softly, like every entry point (see ring.h).
Napi::Value AllocAligned(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  int64_t size = 0, align = 0;
  if (napi_get_value_int64(env, info[0], &size) != napi_ok ||
      napi_get_value_int64(env, info[1], &align) != napi_ok || size < 0 || align <= 0) {
    return Napi::Value();
  }
  void* mem = nullptr;
  if (posix_memalign(&mem, static_cast<size_t>(align), size ? size : align) != 0) {
    napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "uring-fs: out of memory in allocAligned");
    return Napi::Value();
  }
  memset(mem, 0, static_cast<size_t>(size));
  napi_value out;
  if (napi_create_external_buffer(env, static_cast<size_t>(size), mem, FreeAligned, nullptr, &out) !=
      napi_ok) {
    free(mem);
    return Napi::Value();
  }
  return Napi::Value(env, out);
}

// fdPosition(fd) -> the file position (lseek SEEK_CUR), or -errno (-ESPIPE for
// a pipe, socket or terminal). A write at the current position learns where it
// starts from this, so a continuation after a short write goes to the right
// place on any kernel (see src/ops/write.ts).
Napi::Value FdPosition(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  int32_t fd = -1;
  napi_value out;
  if (napi_get_value_int32(env, info[0], &fd) != napi_ok) fd = -1;
  off_t pos = lseek(fd, 0, SEEK_CUR);
  if (napi_create_double(env, pos < 0 ? -errno : static_cast<double>(pos), &out) != napi_ok) return Napi::Value();
  return Napi::Value(env, out);
}

// setFdPosition(fd, pos) -> 0 or -errno: where write(2) would have left the file
// position after a write that ended at `pos` (an O_APPEND file: its end).
Napi::Value SetFdPosition(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  int32_t fd = -1;
  int64_t pos = 0;
  napi_value out;
  if (napi_get_value_int32(env, info[0], &fd) != napi_ok || napi_get_value_int64(env, info[1], &pos) != napi_ok) {
    fd = -1;
  }
  int fl = fcntl(fd, F_GETFL);
  off_t rc = fl < 0 ? -1 : (fl & O_APPEND) ? lseek(fd, 0, SEEK_END) : lseek(fd, static_cast<off_t>(pos), SEEK_SET);
  if (napi_create_int32(env, rc < 0 ? -errno : 0, &out) != napi_ok) return Napi::Value();
  return Napi::Value(env, out);
}

// noteCredentialsChange(): the process may have changed its uid, gid or
// groups; SQPOLL rings on every thread check theirs before they submit again.
Napi::Value NoteCredentialsChange(const Napi::CallbackInfo& info) {
  Ring::NoteCredentialsChange();
  return Napi::Value();
}

// STATX_DIOALIGN (Linux 6.1) and where struct statx keeps its answer
// (stx_dio_mem_align at 0x98, stx_dio_offset_align at 0x9c): raw, since the
// prebuilds are built against headers (and a glibc: statx(2) has no wrapper
// before 2.28) that may predate it.
constexpr unsigned kStatxDioAlign = 0x2000;
constexpr size_t kStatxDioMemAt = 0x98;
constexpr size_t kStatxDioOffsetAt = 0x9c;

// dioAlign(fd, path) -> [0 | -errno, memory, offset]: statx(2) of `path` (a
// NUL-terminated Buffer, relative to the cwd) or, with path null, of `fd`
// (AT_EMPTY_PATH), asking for STATX_DIOALIGN. memory and offset are -1 when
// the kernel or filesystem did not answer that (a kernel before 6.1, or a
// filesystem that does not report it), and 0 when the file does not support
// direct I/O. Synchronous: a statx, as fstat is.
Napi::Value DioAlign(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  int32_t fd = AT_FDCWD;
  const char* path = "";
  int flags = AT_EMPTY_PATH;
  char* data = nullptr;
  size_t len = 0;
  napi_valuetype t = napi_undefined;
  if (napi_get_value_int32(env, info[0], &fd) != napi_ok || napi_typeof(env, info[1], &t) != napi_ok) return Napi::Value();
  if (t != napi_null) {
    if (napi_get_buffer_info(env, info[1], reinterpret_cast<void**>(&data), &len) != napi_ok || len == 0 ||
        data[len - 1] != '\0') {
      return Napi::Value();
    }
    path = data;
    fd = AT_FDCWD;
    flags = 0;
  }
  alignas(8) uint8_t stx[256] = {};
  long rc = syscall(SYS_statx, fd, path, flags | AT_STATX_SYNC_AS_STAT, kStatxDioAlign, stx);
  int32_t out[3] = {rc < 0 ? -errno : 0, -1, -1};
  uint32_t mask, mem, off;
  memcpy(&mask, stx, 4);
  memcpy(&mem, stx + kStatxDioMemAt, 4);
  memcpy(&off, stx + kStatxDioOffsetAt, 4);
  if (rc == 0 && (mask & kStatxDioAlign)) {
    out[1] = static_cast<int32_t>(mem);
    out[2] = static_cast<int32_t>(off);
  }
  napi_value arr, v;
  if (napi_create_array_with_length(env, 3, &arr) != napi_ok) return Napi::Value();
  for (uint32_t i = 0; i < 3; i++) {
    if (napi_create_int32(env, out[i], &v) != napi_ok || napi_set_element(env, arr, i, v) != napi_ok) return Napi::Value();
  }
  return Napi::Value(env, arr);
}

// fdFlags(fd) -> the file status flags (fcntl F_GETFL), or -errno.
Napi::Value FdFlags(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  int32_t fd = -1;
  napi_value out;
  if (napi_get_value_int32(env, info[0], &fd) != napi_ok) fd = -1;
  int fl = fcntl(fd, F_GETFL);
  if (napi_create_int32(env, fl < 0 ? -errno : fl, &out) != napi_ok) return Napi::Value();
  return Napi::Value(env, out);
}

// A buffer holder: an io_uring of its own, created without SINGLE_ISSUER, that
// only holds a registration of the pool's memory. Every ring (this thread's and
// workers') clones the registration from it (IORING_REGISTER_CLONE_BUFFERS,
// 6.12), so the pages are pinned once. It cannot be a thread's own ring: since
// Linux 6.18 (and the stable kernels the fix went to) a SINGLE_ISSUER ring's
// buffers can be cloned only by its submitter thread (-EEXIST otherwise). Never
// mmapped or submitted to: just an fd, closed by dropBuffers or at collection.
struct Holder {
  int fd = -1;
};

void FreeHolder(napi_env, void* data, void*) {
  Holder* h = static_cast<Holder*>(data);
  if (h->fd >= 0) close(h->fd);
  delete h;
}

// holdBuffers(memory: Uint8Array, count, size) -> an External holding the
// holder ring, or -errno (-EINVAL for arguments that do not fit).
Napi::Value HoldBuffers(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  uint8_t* base = nullptr;
  size_t len = 0;
  uint32_t count = 0, size = 0;
  napi_value out;
  auto fail = [&](int rc) {
    napi_create_int32(env, rc, &out);
    return Napi::Value(env, out);
  };
  if (info.Length() < 3 || !OpArgs::ViewOf(env, info[0], &base, &len) ||
      napi_get_value_uint32(env, info[1], &count) != napi_ok || napi_get_value_uint32(env, info[2], &size) != napi_ok ||
      !base || reinterpret_cast<uintptr_t>(base) % 4096 != 0 || count == 0 || size == 0 ||
      static_cast<uint64_t>(count) * size > len) {
    return fail(-EINVAL);
  }
  io_uring_params params{};
  int fd = static_cast<int>(syscall(__NR_io_uring_setup, 1, &params));
  if (fd < 0) return fail(-errno);
  std::vector<iovec> iov(count);
  for (uint32_t i = 0; i < count; i++) {
    iov[i].iov_base = base + static_cast<size_t>(i) * size;
    iov[i].iov_len = size;
  }
  if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, iov.data(), count) < 0) {
    int rc = -errno;
    close(fd);
    return fail(rc);
  }
  Holder* h = new Holder{fd};
  if (napi_create_external(env, h, FreeHolder, nullptr, &out) != napi_ok) {
    close(fd);
    delete h;
    return Napi::Value();
  }
  return Napi::Value(env, out);
}

// holderFd(holder) -> its ring fd, or -1 once dropped.
Napi::Value HolderFd(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  void* data = nullptr;
  napi_value out;
  if (napi_get_value_external(env, info[0], &data) != napi_ok || !data) return Napi::Value();
  napi_create_int32(env, static_cast<Holder*>(data)->fd, &out);
  return Napi::Value(env, out);
}

// dropBuffers(holder): closes the holder ring (rings that cloned from it keep
// their registrations).
Napi::Value DropBuffers(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  void* data = nullptr;
  if (napi_get_value_external(env, info[0], &data) != napi_ok || !data) return Napi::Value();
  Holder* h = static_cast<Holder*>(data);
  if (h->fd >= 0) close(h->fd);
  h->fd = -1;
  return Napi::Value();
}

}  // namespace

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("NativeRing", Napi::Value(env, Ring::Define(env))),
                             InstanceValue("allocAligned", Napi::Function::New(env, AllocAligned)),
                             InstanceValue("fdPosition", Napi::Function::New(env, FdPosition)),
                             InstanceValue("setFdPosition", Napi::Function::New(env, SetFdPosition)),
                             InstanceValue("dioAlign", Napi::Function::New(env, DioAlign)),
                             InstanceValue("fdFlags", Napi::Function::New(env, FdFlags)),
                             InstanceValue("holdBuffers", Napi::Function::New(env, HoldBuffers)),
                             InstanceValue("holderFd", Napi::Function::New(env, HolderFd)),
                             InstanceValue("dropBuffers", Napi::Function::New(env, DropBuffers)),
                             InstanceValue("liburingVersion",
                                           Napi::String::New(env, URING_FS_LIBURING_VERSION)),
                             InstanceValue("probeSetup", DefineProbeSetup(env)),
                             InstanceValue("noteCredentialsChange",
                                           Napi::Function::New(env, NoteCredentialsChange)),
                         });
  }
};

}  // namespace uringfs

using UringFsAddon = uringfs::Addon;
NODE_API_ADDON(UringFsAddon)
