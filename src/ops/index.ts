// The registry: every op module, one line each. Ring's methods, batch() entries
// and features.fsFallbackOps are all built from this list (src/ops/registry.ts).
export { def as close } from './close';
export { def as fallocate } from './fallocate';
export { def as fsync } from './fsync';
export { def as link } from './link';
export { def as ftruncate } from './ftruncate';
export { def as mkdir } from './mkdir';
export { def as nop } from './nop';
export { def as open } from './open';
export { def as read } from './read';
export { def as readv } from './readv';
export { def as rename } from './rename';
export { def as stat } from './stat';
export { def as symlink } from './symlink';
export { def as unlink } from './unlink';
export { def as write } from './write';
export { def as writev } from './writev';
