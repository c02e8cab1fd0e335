// What `import 'fs/promises'` resolves to under swap.cjs: uring-fs/promises
// (the built package's ES module entry), counted as an ESM hit.
import ours from '../../dist/esm/promises.mjs';

globalThis[Symbol.for('uring-fs.node-parity.hits')].import++;

export * from '../../dist/esm/promises.mjs';
export default ours;
