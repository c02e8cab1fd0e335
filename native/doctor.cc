// probeSetup(entries, flags) for `uring-fs doctor`: one io_uring_setup with
// exactly these IORING_SETUP_* flags, torn down at once. Returns
// { rc: 0 or -errno, flags, features } so the doctor can say which flags this
// kernel accepts and what a refusal (EPERM from seccomp, ENOSYS) looked like,
// independently of the flag ladder native/ring.cc walks.
#include "doctor.h"

#include <errno.h>
#include <liburing.h>

namespace uringfs {

namespace {

Napi::Value ProbeSetup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return env.Undefined();
  unsigned entries = info[0].As<Napi::Number>().Uint32Value();
  unsigned flags = info[1].As<Napi::Number>().Uint32Value();
  io_uring ring;
  io_uring_params params{};
  params.flags = flags;
  if (flags & IORING_SETUP_CQSIZE) params.cq_entries = entries * 2;
  int rc = io_uring_queue_init_params(entries ? entries : 1, &ring, &params);
  if (rc == 0) io_uring_queue_exit(&ring);
  Napi::Object out = Napi::Object::New(env);
  out.Set("rc", Napi::Number::New(env, rc));
  out.Set("flags", Napi::Number::New(env, rc == 0 ? params.flags : 0));
  out.Set("features", Napi::Number::New(env, rc == 0 ? params.features : 0));
  return out;
}

}  // namespace

Napi::Function DefineProbeSetup(Napi::Env env) { return Napi::Function::New(env, ProbeSetup, "probeSetup"); }

}  // namespace uringfs
