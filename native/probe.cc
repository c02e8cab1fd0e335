#include "probe.h"

#include "ops/table.h"

namespace uringfs {

Napi::Object ProbeOps(Napi::Env env, io_uring* ring) {
  Napi::Object ops = Napi::Object::New(env);
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
#define URING_FS_PROBE(name, opcode, fn) \
  ops.Set(#name, Napi::Boolean::New(env, probe && io_uring_opcode_supported(probe, opcode)));
  URING_FS_OPS(URING_FS_PROBE)
#undef URING_FS_PROBE
  if (probe) io_uring_free_probe(probe);
  return ops;
}

}  // namespace uringfs
