#pragma once

#include <napi.h>

namespace uringfs {
// probeSetup(entries, flags) → { rc, flags, features }: see doctor.cc.
Napi::Function DefineProbeSetup(Napi::Env env);
}  // namespace uringfs
