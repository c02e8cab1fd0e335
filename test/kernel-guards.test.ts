// Guards against known io_uring kernel bugs (docs/api.md, Kernel bugs guarded
// against). uring-fs avoids the features these bugs live in; the checks below
// read the native sources and fail if one starts being used without its guard
// (a kernel-version check naming the bug in the same file).

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

const NATIVE = path.resolve(__dirname, '..', 'native');

function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cc|h|c)$/.test(e.name)) out.push({ file: path.relative(NATIVE, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(NATIVE);
  return out;
}

const GUARDS = [
  {
    bug: 'CVE-2024-0582 (provided-buffer ring mmap use-after-free, Linux 6.4-6.6.4)',
    uses: /io_uring_(register|setup|free)_buf_ring|IORING_REGISTER_PBUF_RING|IOU_PBUF_RING/,
    guard: /CVE-2024-0582/,
  },
  {
    bug: 'ring resizing before Linux 7.0',
    uses: /io_uring_resize_rings|IORING_REGISTER_RESIZE_RINGS/,
    guard: /resiz\w* .*7\.0|7\.0.*resiz/i,
  },
  {
    bug: 'CVE-2024-22017 (an SQPOLL thread keeps the credentials of the ring\'s creator after setuid)',
    uses: /IORING_SETUP_SQPOLL/,
    guard: /CVE-2024-22017/,
  },
  {
    bug: 'polled I/O on a device without poll queues (a blocking wait never sees its completion, 6.18)',
    uses: /IORING_SETUP_IOPOLL/,
    guard: /queue\/io_poll/,
  },
  {
    bug: 'reads of eventfd/timerfd through the ring (Linux 6.15.4 treats anon inodes as regular files)',
    uses: /io_uring_register_eventfd|IORING_REGISTER_EVENTFD|\beventfd\s*\(|timerfd_create/,
    guard: /6\.15\.4/,
  },
];

describe('kernel bugs the native code stays clear of', () => {
  const files = sources();
  it('reads the native sources', () => {
    expect(files.map((f) => f.file)).toContain('ring.cc');
  });
  for (const g of GUARDS) {
    it(`${g.bug}: not used, or used behind a check that names it`, () => {
      const unguarded = files.filter((f) => g.uses.test(f.text) && !g.guard.test(f.text)).map((f) => f.file);
      expect(unguarded).toEqual([]);
    });
  }
  it('every raw definition of something liburing 2.3 lacks names the kernel it needs', () => {
    // `#ifndef X` + `#define X …`: the comment just above (or on) the #ifndef must say "Linux N.M" or "(N.M)".
    const missing: string[] = [];
    let count = 0;
    for (const f of files) {
      const lines = f.text.split('\n');
      lines.forEach((line, i) => {
        const m = /^#ifndef\s+((?:IORING|IOSQE|URING_FS_OP)_\w+)/.exec(line);
        if (!m || !new RegExp(`^#define\\s+${m[1]}\\b`).test(lines[i + 1] ?? '')) return;
        count++;
        const context = lines.slice(Math.max(0, i - 6), i + 2).join('\n');
        if (!/Linux \d+\.\d+|\(\d+\.\d+\)/.test(context)) missing.push(`${f.file}:${i + 1} ${m[1]}`);
      });
    }
    expect(count).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
  it('completions come through uv_poll on the ring fd (no eventfd is read)', () => {
    const ring = files.find((f) => f.file === 'ring.cc')?.text ?? '';
    expect(ring).toMatch(/uv_poll_init\(loop, &handles_->poll, ring_\.ring_fd\)/);
  });
});
