// Module init: one set of exports per JavaScript environment (main thread and
// each worker load the addon separately; nothing here is static or global).
#include <stdlib.h>

#include <napi.h>

#include "ring.h"

namespace uringfs {

namespace {

void FreeAligned(Napi::Env, void* data) { free(data); }

// allocAligned(size, alignment): a Buffer whose memory starts on an
// `alignment` boundary, as O_DIRECT needs. JavaScript validates the arguments.
Napi::Value AllocAligned(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t size = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  size_t align = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  void* mem = nullptr;
  if (posix_memalign(&mem, align, size ? size : align) != 0) {
    Napi::Error::New(env, "uring-fs: out of memory in allocAligned").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  memset(mem, 0, size);
  return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(mem), size, FreeAligned);
}

}  // namespace

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("NativeRing", Ring::Define(env)),
                             InstanceValue("allocAligned", Napi::Function::New(env, AllocAligned)),
                             InstanceValue("liburingVersion",
                                           Napi::String::New(env, URING_FS_LIBURING_VERSION)),
                         });
  }
};

}  // namespace uringfs

using UringFsAddon = uringfs::Addon;
NODE_API_ADDON(UringFsAddon)
