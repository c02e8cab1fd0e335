// Shared by the per-op prep functions: reading one staged op's arguments into
// the pointers and integers an SQE needs. JavaScript (src/ops/*.ts) validates
// every argument first and describes each op in the staging area (see
// src/stage.ts); these checks are the safety net that keeps a bad record from
// ever handing the kernel a wild pointer or a length past a view's end.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <napi.h>
#include <sys/uio.h>

#include <cstdint>
#include <vector>

namespace uringfs {

// The kernel's MAX_RW_COUNT: INT_MAX rounded down to a page.
constexpr uint64_t kMaxRw = 0x7ffff000;

// One staged op, as src/stage.ts lays it out (keep the two in step):
//   int32   [tag, gen, op | status, int64Mask, I0, I1, I2, I3]
//   float64 [F0, F1, F2, F3]
//   objects [O0, O1]
// tag = slot | IOSQE_* flags << 16; op is the index of the op in ops/table.h and
// is overwritten with the outcome (0 queued, or -errno). Bit k of int64Mask says
// that F<k> holds an int64 (a bigint position past 2^53) rather than a double.
constexpr uint32_t kStageInts = 8;
constexpr uint32_t kStageFloats = 4;
constexpr uint32_t kStageObjects = 2;
enum StageField : uint32_t { kTag = 0, kGen = 1, kOp = 2, kInt64Mask = 3, kFirstInt = 4 };
// A bit of the int64Mask field: the op gets a linked timeout (IORING_OP_LINK_TIMEOUT,
// Linux 5.5) of I3 milliseconds (unsigned). No op uses I3 for itself.
constexpr uint32_t kHasTimeout = 1u << 8;
constexpr uint32_t kTimeoutInt = kFirstInt + 3;

// What a slot keeps for the kernel until its op's CQE: iovec arrays (readv,
// writev) and the linked timeout's timespec (read when the SQE is submitted).
struct SlotStore {
  std::vector<iovec> iov;
  __kernel_timespec ts{};
  // A timed op completes twice (itself, its timeout): delivered once both are in.
  bool timed = false;
  uint8_t got = 0;  // 1: the op's CQE is in; 2: the timeout's
  int32_t op_res = 0;
  int32_t timeout_res = 0;
};
// The low word of a linked timeout's user_data: its op's slot with this bit set.
constexpr uint32_t kTimeoutBit = 0x80000000u;

struct OpArgs {
  napi_env env;
  const int32_t* ints;     // I0..I3
  const double* floats;    // F0..F3
  uint32_t int64_mask;
  napi_value array;        // the staging area's objects
  uint32_t first;          // index of this record's O0 in it
  std::vector<iovec>& iov;  // the slot's iovec storage, kept until the CQE
  const napi_value* given = nullptr;  // the first record's objects, passed as arguments
  // The ring's registered buffers (IORING_REGISTER_BUFFERS), as registered: the
  // kernel's buf_index names one of these.
  const std::vector<iovec>* fixed = nullptr;

  // O<i>: for the first record of a call, the argument JavaScript passed it
  // as; otherwise read from the objects array when a prep function asks for it
  // (an element read through the engine API is the costliest part of staging
  // an op, so only the objects an op uses are read). undefined if unreadable.
  napi_value Obj(size_t i) const {
    if (given) return given[i];
    napi_value v = nullptr;
    if (napi_get_element(env, array, first + static_cast<uint32_t>(i), &v) != napi_ok) napi_get_undefined(env, &v);
    return v;
  }

  int32_t Int(size_t i) const { return ints[i]; }
  uint32_t Uint(size_t i) const { return static_cast<uint32_t>(ints[i]); }

  // A file offset: -1 means "the file's current position" (IORING_FEAT_RW_CUR_POS,
  // Linux 5.6). Doubles are exact up to 2^53; larger bigint offsets come as int64.
  uint64_t Offset(size_t i) const {
    if (int64_mask & (1u << i)) return static_cast<uint64_t>(reinterpret_cast<const int64_t*>(floats)[i]);
    double d = floats[i];
    return d < 0 ? static_cast<uint64_t>(static_cast<int64_t>(d)) : static_cast<uint64_t>(d);
  }

  // A non-negative byte count or offset inside a view; UINT64_MAX if it is not one.
  uint64_t Size(size_t i) const {
    double d = floats[i];
    return d >= 0 && d <= 9007199254740992.0 ? static_cast<uint64_t>(d) : UINT64_MAX;
  }

  // A NUL-terminated path in a Buffer that JavaScript keeps alive until the CQE.
  const char* Path(size_t i) const {
    char* data = nullptr;
    size_t len = 0;
    if (napi_get_buffer_info(env, Obj(i), reinterpret_cast<void**>(&data), &len) != napi_ok) return nullptr;
    if (len == 0 || data[len - 1] != '\0') return nullptr;
    return data;
  }

  // The window [F<at>, F<at>+F<at+1>) of the view in object i: the start and the
  // byte length JavaScript computed from the view's own byteLength, checked
  // against what V8 says the view (and its buffer) holds right now, so a stale or
  // forged length can never reach past the view. One read/write moves at most
  // MAX_RW_COUNT bytes; the length is clamped to that.
  bool Window(size_t i, size_t at, uint8_t** data, uint32_t* len) const {
    uint8_t* base = nullptr;
    size_t size = 0;
    if (!ViewOf(env, Obj(i), &base, &size)) return false;
    uint64_t off = Size(at);
    uint64_t n = Size(at + 1);
    if (off > size || n > size - off) return false;
    if (n > kMaxRw) n = kMaxRw;
    static uint8_t empty;
    *data = base ? base + off : &empty;  // zero-length I/O still needs a pointer
    *len = static_cast<uint32_t>(n);
    return true;
  }

  // The registered buffer that JavaScript says (I<i>: its index, or -1) holds
  // [data, data + len): that index if the window lies wholly inside the
  // buffer as the addon registered it, else -1 (the op then runs as a plain
  // read or write: a wrong index from JavaScript can cost speed, never a
  // kernel access outside the view).
  int FixedIndex(size_t i, const uint8_t* data, uint32_t len) const {
    int32_t idx = ints[i];
    if (idx < 0 || !fixed || static_cast<size_t>(idx) >= fixed->size()) return -1;
    const iovec& b = (*fixed)[idx];
    const uint8_t* base = static_cast<const uint8_t*>(b.iov_base);
    if (!base || data < base || data > base + b.iov_len || len > b.iov_len - static_cast<size_t>(data - base)) return -1;
    return idx;
  }

  // Views (object i) and their byte lengths (object i + 1, a Float64Array) as
  // iovecs in the slot's storage, each length checked against its view.
  bool Iovecs(size_t i) const {
    napi_value views = Obj(i);
    bool is_array = false;
    if (napi_is_array(env, views, &is_array) != napi_ok || !is_array) return false;
    napi_typedarray_type t;
    size_t count = 0, off = 0;
    void* lens = nullptr;
    if (napi_get_typedarray_info(env, Obj(i + 1), &t, &count, &lens, nullptr, &off) != napi_ok ||
        t != napi_float64_array) {
      return false;
    }
    uint32_t n = 0;
    if (napi_get_array_length(env, views, &n) != napi_ok || n > count) return false;
    iov.resize(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value item;
      if (napi_get_element(env, views, k, &item) != napi_ok) return false;
      uint8_t* data = nullptr;
      size_t size = 0;
      if (!ViewOf(env, item, &data, &size)) return false;
      double want = static_cast<const double*>(lens)[k];
      if (!(want >= 0) || want > static_cast<double>(size)) return false;
      iov[k].iov_base = data;
      iov[k].iov_len = data ? static_cast<size_t>(want) : 0;
    }
    return true;
  }

  // A writable byte view at least `min` bytes long (the struct statx out-buffer).
  uint8_t* Out(size_t i, size_t min) const {
    uint8_t* data = nullptr;
    size_t size = 0;
    if (!ViewOf(env, Obj(i), &data, &size) || !data || size < min) return nullptr;
    return data;
  }

  // The memory of a TypedArray or DataView and how many bytes V8 says it holds
  // now (a length-tracking view over a resizable buffer reports its current
  // length). A detached view reports no data. Asking V8 for the data pointer
  // externalizes a small on-heap TypedArray's storage first, so the pointer
  // stays valid however the GC later moves the view object.
  static bool ViewOf(napi_env env, napi_value v, uint8_t** data, size_t* len) {
    napi_typedarray_type type;
    size_t count = 0, offset = 0;
    void* ptr = nullptr;
    napi_value ab = nullptr;
    if (napi_get_typedarray_info(env, v, &type, &count, &ptr, &ab, &offset) == napi_ok) {
      *data = static_cast<uint8_t*>(ptr);
      if (!ptr) {
        *len = 0;
        return true;
      }
      size_t elem = ElementSize(type);
      if (elem != 0) {
        *len = count * elem;
        return true;
      }
      // An element type this build does not know (a newer V8's): bound the view
      // by its buffer instead, which is always right and never too long.
      void* ab_data = nullptr;
      size_t ab_len = 0;
      if (napi_get_arraybuffer_info(env, ab, &ab_data, &ab_len) != napi_ok || offset > ab_len) return false;
      *len = ab_len - offset;
      return true;
    }
    bool is_dataview = false;
    if (napi_is_dataview(env, v, &is_dataview) == napi_ok && is_dataview) {
      size_t bytes = 0;
      napi_value buffer;
      if (napi_get_dataview_info(env, v, &bytes, &ptr, &buffer, &offset) != napi_ok) return false;
      *data = static_cast<uint8_t*>(ptr);
      *len = ptr ? bytes : 0;
      return true;
    }
    return false;
  }

  // Bytes per element of the TypedArray kinds this addon was compiled to know;
  // 0 for any other (V8 adds kinds: Float16Array arrived in Node 24).
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
      case napi_float64_array:
      case napi_bigint64_array:
      case napi_biguint64_array:
        return 8;
      default:
        // napi_float16_array (11) where the headers predate it.
        return static_cast<int>(t) == 11 ? 2 : 0;
    }
  }
};

}  // namespace uringfs
