#pragma once

#include <liburing.h>
#include <napi.h>

namespace uringfs {
// { read: true, ftruncate: false, ... } for every op in ops/table.h, probed once
// per ring with IORING_REGISTER_PROBE (Linux 5.6).
// Returns nullptr if the object cannot be built (environment shutting down).
napi_value ProbeOps(napi_env env, io_uring* ring);
}  // namespace uringfs
