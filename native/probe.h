#pragma once

#include <liburing.h>
#include <napi.h>

namespace uringfs {
// { read: true, ftruncate: false, ... } for every op in ops/table.h, probed once
// per ring with IORING_REGISTER_PROBE (Linux 5.6).
Napi::Object ProbeOps(Napi::Env env, io_uring* ring);
}  // namespace uringfs
