// Module init: one set of exports per JavaScript environment (main thread and
// each worker load the addon separately; nothing here is static or global).
#include <stdlib.h>
#include <string.h>

#include <napi.h>

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

}  // namespace

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("NativeRing", Napi::Value(env, Ring::Define(env))),
                             InstanceValue("allocAligned", Napi::Function::New(env, AllocAligned)),
                             InstanceValue("liburingVersion",
                                           Napi::String::New(env, URING_FS_LIBURING_VERSION)),
                         });
  }
};

}  // namespace uringfs

using UringFsAddon = uringfs::Addon;
NODE_API_ADDON(UringFsAddon)
