// ring.nop(): a round trip through the ring with no I/O.

import { describe, it, expect } from 'vitest';

import { Ring } from '../src/index';
import { withTimeout } from './fixtures/helpers';
import { opFixture } from './support/op-fixture';

const fx = opFixture('nop');
const { ring } = fx;

describe('nop', () => {
  it('resolves undefined, asynchronously', async () => {
    let settled = false;
    const p = ring.nop().then((v) => {
      settled = true;
      return v;
    });
    expect(p).toBeInstanceOf(Promise);
    expect(settled).toBe(false);
    expect(await p).toBeUndefined();
    expect(settled).toBe(true);
  });

  it('many at once (more than the SQ and CQ hold) all resolve', async () => {
    const n = 3 * Math.max(ring.features.cqEntries, 256) + 7;
    const all = await Promise.all(Array.from({ length: n }, () => ring.nop()));
    expect(all.length).toBe(n);
    expect(all.every((v) => v === undefined)).toBe(true);
  });

  it('with other ops in flight, and with options (an extra argument is ignored)', async () => {
    const order: number[] = [];
    await Promise.all([
      ring.nop().then(() => order.push(1)),
      (ring.nop as (...a: unknown[]) => Promise<void>)({ timeout: 5000 }, 'ignored').then(() => order.push(2)),
      ring.stat('/').then(() => order.push(3)),
    ]);
    expect(order.sort()).toEqual([1, 2, 3]);
  });

  it('sequential nops keep working: 2,000 through a ring of 8 completion slots, each freed by its completion', async () => {
    const small = new Ring({ entries: 4 });
    try {
      if (small.backend === 'io_uring') expect(small.features.cqEntries).toBe(8);
      let resolved = 0;
      for (let i = 0; i < 2000; i++) {
        // A slot not given back would leave nop 8 waiting for ever: a timeout, not a hang.
        expect(await withTimeout(small.nop(), 5000, `sequential nop ${i}`)).toBeUndefined();
        resolved++;
      }
      expect(resolved).toBe(2000);
    } finally {
      await small.destroy();
    }
  });
});
