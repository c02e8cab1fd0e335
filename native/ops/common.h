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

  int32_t Int(size_t i) const {
    Napi::Value v = Arg(i);
    return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : -1;
  }

  uint32_t Uint(size_t i) const {
    Napi::Value v = Arg(i);
    return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : 0;
  }

  // A file offset: a Number (exact up to 2^53) or a BigInt; -1 means "the
  // file's current position" (IORING_FEAT_RW_CUR_POS, Linux 5.6).
  uint64_t Offset(size_t i) const {
    Napi::Value v = Arg(i);
    if (v.IsBigInt()) {
      bool lossless = false;
      return static_cast<uint64_t>(v.As<Napi::BigInt>().Int64Value(&lossless));
    }
    if (!v.IsNumber()) return 0;
    return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
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
    Napi::Value v = Arg(i);
    if (!v.IsNumber()) return UINT64_MAX;
    int64_t n = v.As<Napi::Number>().Int64Value();
    return n < 0 ? UINT64_MAX : static_cast<uint64_t>(n);
  }

  // A view plus an (offset, length) window inside it, range-checked. One
  // read/write moves at most MAX_RW_COUNT bytes (the kernel's limit, which
  // JavaScript applies too); the length is clamped so it never wraps.
  bool Window(size_t i, uint8_t** data, uint32_t* len) const {
    uint8_t* base = nullptr;
    size_t size = 0;
    if (!View(i, &base, &size)) return false;
    uint64_t off = Size(i + 1);
    uint64_t n = Size(i + 2);
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

  static bool ViewOf(Napi::Value v, uint8_t** data, size_t* len) {
    napi_env env = v.Env();
    if (v.IsTypedArray()) {
      napi_typedarray_type type;
      size_t count = 0, offset = 0;
      void* ptr = nullptr;
      napi_value ab;
      if (napi_get_typedarray_info(env, v, &type, &count, &ptr, &ab, &offset) != napi_ok) return false;
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
