import type { IoOptions } from '../abort';
import * as fs from 'node:fs';

import { callVoid } from '../fallback';
import type { Ring } from '../ring';
import type { Stager } from '../stage';
import { validateLength, validateNativeFd } from '../validate';
import { defineOp, run } from './define';
import { Op } from './op';

/** ftruncate(fd, len). IORING_OP_FTRUNCATE needs Linux 6.9; older kernels use node:fs. */
export class FtruncateOp extends Op<void> {
  readonly native = 'ftruncate';
  readonly syscall = 'ftruncate';

  constructor(
    override readonly fd: number,
    readonly len: number,
  ) {
    super();
  }

  override get takesFixedFile(): boolean {
    return true;
  }

  stage(s: Stager): void {
    s.int(0, this.fd);
    s.offset(0, this.len);
  }

  complete(): void {}

  viaFs(): Promise<void> {
    return callVoid((cb) => fs.ftruncate(this.fd, this.len, cb));
  }
}

/** As node:fs: `len` an integer, negative lengths truncate to 0. */
/** As node:fs: `len` an integer (checked first), negative lengths truncate to 0. */
export function ftruncate(fd: unknown, len: unknown = 0): FtruncateOp {
  const validLen = validateLength(len);
  return new FtruncateOp(validateNativeFd(fd), validLen);
}

export const def = defineOp({
  native: 'ftruncate',
  methods: {
    /** Truncates (or extends with zeros) to `len` bytes; negative lengths mean 0, as in node:fs. */
    ftruncate(this: Ring, fd: number, len = 0, options?: IoOptions): Promise<void> {
      return run(this, () => ftruncate(fd, len), options);
    },
  },
  batch: {
    ftruncate: (e: { fd: number; len?: number }) => ftruncate(e.fd, e.len ?? 0),
  },
});
