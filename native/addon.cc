// Module init: one set of exports per JavaScript environment (main thread and
// each worker load the addon separately; nothing here is static or global).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <napi.h>

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
