#include "probe.h"

#include "ops/table.h"

namespace uringfs {

napi_value ProbeOps(napi_env env, io_uring* ring) {
  napi_value ops, v;
  if (napi_create_object(env, &ops) != napi_ok) return nullptr;
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  bool ok = true;
#define URING_FS_PROBE(name, opcode, fn)                                                  \
  ok = ok && napi_get_boolean(env, probe && io_uring_opcode_supported(probe, opcode), &v) == \
                 napi_ok &&                                                              \
       napi_set_named_property(env, ops, #name, v) == napi_ok;
  URING_FS_OPS(URING_FS_PROBE)
#undef URING_FS_PROBE
  if (probe) io_uring_free_probe(probe);
  return ok ? ops : nullptr;
}

}  // namespace uringfs
