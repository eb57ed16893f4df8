import fc from 'fast-check';
import { keptSamples, parseLsn, replicaLag } from '../read-replica';
import type { WalSample } from '../read-replica';

describe('parseLsn', () => {
  it('reads the high and low 32 bits of a WAL position written in hex', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(parseLsn('16/B374D848')).toBe(0x16n * 2n ** 32n + 0xb374d848n);
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe(2n ** 64n - 1n);
  });

  it('refuses text that is not a WAL position, naming it', () => {
    expect(() => parseLsn('16')).toThrow('not a WAL position: "16"');
    expect(() => parseLsn('1/2/3')).toThrow('not a WAL position: "1/2/3"');
    expect(() => parseLsn('G/0')).toThrow('not a WAL position: "G/0"');
  });
});

describe('replicaLag', () => {
  const samples: WalSample[] = [
    { lsn: 100n, at: 1_000 },
    { lsn: 250n, at: 2_000 },
    { lsn: 400n, at: 3_500 },
  ];

  it('is the age of the first sample the replica has not replayed, and the bytes up to the newest', () => {
    // Replayed 100: the write seen at 2 000 ms waits, 4 000 − 2 000 = 2 000 ms; 400 − 100 = 300 bytes.
    expect(replicaLag(samples, 100n, 4_000)).toEqual({ lagMs: 2_000, lagBytes: 300n });
    // Replayed 260: only the one seen at 3 500 ms waits.
    expect(replicaLag(samples, 260n, 4_000)).toEqual({ lagMs: 500, lagBytes: 140n });
    // Replayed less than the oldest sample: that one waits.
    expect(replicaLag(samples, 99n, 4_000)).toEqual({ lagMs: 3_000, lagBytes: 301n });
  });

  it('is nothing for a replica that has replayed everything, however long ago the primary last wrote', () => {
    expect(replicaLag(samples, 400n, 1_000_000)).toEqual({ lagMs: 0, lagBytes: 0n });
    expect(replicaLag(samples, 500n, 1_000_000)).toEqual({ lagMs: 0, lagBytes: 0n });
    expect(replicaLag([], 0n, 1_000_000)).toEqual({ lagMs: 0, lagBytes: 0n });
  });
});

describe('keptSamples', () => {
  it('keeps the samples beyond the replayed position, or the newest when none is', () => {
    const samples: WalSample[] = [
      { lsn: 100n, at: 1 },
      { lsn: 200n, at: 2 },
      { lsn: 300n, at: 3 },
    ];
    expect(keptSamples(samples, 150n)).toEqual(samples.slice(1));
    expect(keptSamples(samples, 300n)).toEqual([{ lsn: 300n, at: 3 }]);
    expect(keptSamples([], 300n)).toEqual([]);
  });

  it('drops the second oldest beyond the cap, keeping the oldest (the lag) and the newest (the bytes)', () => {
    const samples = [1n, 2n, 3n, 4n, 5n].map((lsn) => ({ lsn, at: Number(lsn) }));
    expect(keptSamples(samples, 0n, 3).map((sample) => sample.lsn)).toEqual([1n, 4n, 5n]);
  });

  const increasing = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 40 })
    .map((steps) => {
      let lsn = 0n;
      let at = 0;
      return steps.map(([bytes, ms]) => ({ lsn: (lsn += BigInt(bytes)), at: (at += ms) }));
    });

  it('changes neither the lag nor the bytes it measures, for any replayed position at or beyond the one it kept for', () => {
    fc.assert(
      fc.property(increasing, fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 50_000 }), (samples, first, step) => {
        const replayed = BigInt(first);
        const later = replayed + BigInt(step);
        const now = (samples.at(-1) as WalSample).at + 1;
        expect(replicaLag(keptSamples(samples, replayed), later, now)).toEqual(replicaLag(samples, later, now));
      }),
    );
  });
});
