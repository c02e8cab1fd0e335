// Module customization hooks registered by swap.cjs: an ES module's
// `import ... from 'fs/promises'` (or 'node:fs/promises') resolves to
// swap-target.mjs, which re-exports uring-fs/promises; imports made by
// uring-fs's own files (dist/) and by swap-target.mjs resolve as usual.
let target;
let dist;
const self = new URL('./', import.meta.url).href;

export function initialize(data) {
  target = data.target;
  dist = data.dist;
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? '';
  if ((specifier === 'fs/promises' || specifier === 'node:fs/promises') &&
      !parent.startsWith(dist) && parent !== target && !parent.startsWith(self + 'swap')) {
    return { url: target, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
