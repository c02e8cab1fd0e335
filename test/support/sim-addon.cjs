// What src/binding.ts loads when URING_FS_ADDON names this file (set by
// installSimBinding() in test/support/sim-ring.ts): the binding it prepared,
// with the simulated ring as NativeRing.
'use strict';
const binding = globalThis.__uringFsSimBinding;
if (!binding) throw new Error('sim-addon.cjs: installSimBinding() was not called before the first Ring');
module.exports = binding;
