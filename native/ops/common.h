// Shared by the per-op prep functions: reading JavaScript arguments into the
// pointers and integers an SQE needs. JavaScript (src/ops/*.ts) validates every
// argument first; these checks are the safety net that keeps a bad call from
// ever handing the kernel a wild pointer.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <napi.h>
#include <sys/uio.h>

#include <cstdint>
#include <vector>

namespace uringfs {

// What a prep function gets: the op's JavaScript arguments (after the common
// slot/generation/flags triple) and the slot's own storage, which lives until the
// op's CQE (iovec arrays the kernel reads at submit or later).
// The kernel's MAX_RW_COUNT: INT_MAX rounded down to a page.
constexpr uint64_t kMaxRw = 0x7ffff000;

struct OpArgs {
  const Napi::CallbackInfo& info;
  size_t first;              // index of the op's first argument in info
  std::vector<iovec>& iov;   // per-slot iovec storage

  Napi::Value Arg(size_t i) const { return info[first + i]; }

  bool Has(size_t i) const { return first + i < info.Length(); }

  // An int32 (an fd, flags); -1 (EBADF for an fd) if it is not a number.
  int32_t Int(size_t i) const {
    int32_t out;
    return napi_get_value_int32(info.Env(), Arg(i), &out) == napi_ok ? out : -1;
  }

  uint32_t Uint(size_t i) const {
    uint32_t out;
    return napi_get_value_uint32(info.Env(), Arg(i), &out) == napi_ok ? out : 0;
  }

  // A file offset: a Number (exact up to 2^53) or a BigInt; -1 means "the
  // file's current position" (IORING_FEAT_RW_CUR_POS, Linux 5.6).
  uint64_t Offset(size_t i) const {
    napi_env env = info.Env();
    int64_t out;
    if (napi_get_value_int64(env, Arg(i), &out) == napi_ok) return static_cast<uint64_t>(out);
    bool lossless = false;
    if (napi_get_value_bigint_int64(env, Arg(i), &out, &lossless) == napi_ok) {
      return static_cast<uint64_t>(out);
    }
    return 0;
  }

  // A NUL-terminated path in a Buffer that JavaScript keeps alive until the CQE.
  const char* Path(size_t i) const {
    Napi::Value v = Arg(i);
    if (!v.IsBuffer()) return nullptr;
    auto buf = v.As<Napi::Buffer<char>>();
    if (buf.Length() == 0 || buf.Data()[buf.Length() - 1] != '\0') return nullptr;
    return buf.Data();
  }

  // Memory of a TypedArray or DataView. A detached view reports no data.
  bool View(size_t i, uint8_t** data, size_t* len) const {
    return ViewOf(Arg(i), data, len);
  }

  // A non-negative integer that may exceed 2^32 (offsets into views of 4 GiB+).
  uint64_t Size(size_t i) const {
    int64_t n;
    if (napi_get_value_int64(info.Env(), Arg(i), &n) != napi_ok || n < 0) return UINT64_MAX;
    return static_cast<uint64_t>(n);
  }

  // A view and, if given, an (offset, length) window inside it (args win,
  // win + 1), range-checked; without them the whole view. One read/write moves
  // at most MAX_RW_COUNT bytes (the kernel's limit, which JavaScript applies
  // too); the length is clamped so it never wraps.
  bool Window(size_t i, size_t win, uint8_t** data, uint32_t* len) const {
    uint8_t* base = nullptr;
    size_t size = 0;
    if (!View(i, &base, &size)) return false;
    uint64_t off = 0;
    uint64_t n = size;
    if (Has(win)) {
      off = Size(win);
      n = Size(win + 1);
    }
    if (off > size || n > size - off) return false;
    if (n > kMaxRw) n = kMaxRw;
    static uint8_t empty;
    *data = base ? base + off : &empty;  // zero-length I/O still needs a pointer
    *len = static_cast<uint32_t>(n);
    return true;
  }

  // An array of views as iovecs in the slot's storage (kept until the CQE).
  bool Iovecs(size_t i) const {
    Napi::Value v = Arg(i);
    if (!v.IsArray()) return false;
    Napi::Array arr = v.As<Napi::Array>();
    uint32_t n = arr.Length();
    iov.resize(n);
    for (uint32_t k = 0; k < n; k++) {
      Napi::Value item;
      if (!arr.Get(k).UnwrapTo(&item)) return false;
      uint8_t* data = nullptr;
      size_t len = 0;
      if (!ViewOf(item, &data, &len)) return false;
      iov[k].iov_base = data;
      iov[k].iov_len = data ? len : 0;
    }
    return true;
  }

  // Asking V8 for the data pointer externalizes a small on-heap TypedArray's
  // storage first (napi_get_typedarray_info goes through Buffer()), so the
  // pointer stays valid however the GC later moves the view object.
  static bool ViewOf(Napi::Value v, uint8_t** data, size_t* len) {
    napi_env env = v.Env();
    napi_typedarray_type type;
    size_t count = 0, offset = 0;
    void* ptr = nullptr;
    if (napi_get_typedarray_info(env, v, &type, &count, &ptr, nullptr, &offset) == napi_ok) {
      *data = static_cast<uint8_t*>(ptr);
      *len = ptr ? count * ElementSize(type) : 0;
      return true;
    }
    if (v.IsDataView()) {
      size_t bytes = 0, offset = 0;
      void* ptr = nullptr;
      napi_value ab;
      if (napi_get_dataview_info(env, v, &bytes, &ptr, &ab, &offset) != napi_ok) return false;
      *data = static_cast<uint8_t*>(ptr);
      *len = ptr ? bytes : 0;
      return true;
    }
    return false;
  }

  static size_t ElementSize(napi_typedarray_type t) {
    switch (t) {
      case napi_int8_array:
      case napi_uint8_array:
      case napi_uint8_clamped_array:
        return 1;
      case napi_int16_array:
      case napi_uint16_array:
        return 2;
      case napi_int32_array:
      case napi_uint32_array:
      case napi_float32_array:
        return 4;
      default:
        return 8;
    }
  }
};

}  // namespace uringfs
