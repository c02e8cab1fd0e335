// ring.nop(): a round trip through the ring with no I/O.

import { describe, it, expect } from 'vitest';

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

  it('with other ops in flight, and with (ignored) arguments', async () => {
    const order: number[] = [];
    await Promise.all([
      ring.nop().then(() => order.push(1)),
      (ring.nop as (...a: unknown[]) => Promise<void>)('ignored', 42).then(() => order.push(2)),
      ring.stat('/').then(() => order.push(3)),
    ]);
    expect(order.sort()).toEqual([1, 2, 3]);
  });

  it('sequential nops keep working (ring reused after each completion)', async () => {
    for (let i = 0; i < 2000; i++) await ring.nop();
  });
});
