import { describe, expect, it } from 'vitest';
import { laterPosition, walPosition } from '../read-your-writes';

describe('reading your own writes', () => {
  it('reads a WAL position as its high and low 32 bits, and nothing else', () => {
    expect(walPosition('0/3A21F08')).toBe(0x3a21f08n);
    expect(walPosition('16/B374D848')).toBe(0x16n * 2n ** 32n + 0xb374d848n);
    expect(walPosition('yesterday')).toBeNull();
    expect(walPosition('1/2/3')).toBeNull();
  });

  it('keeps the later of two positions, comparing them as numbers (not as text)', () => {
    expect(laterPosition(null, '0/3A21F08')).toBe('0/3A21F08');
    // As text 'A/0' < '9/FFFFFFFF' would be wrong: 10 × 2³² is the later one.
    expect(laterPosition('9/FFFFFFFF', 'A/0')).toBe('A/0');
    expect(laterPosition('A/0', '9/FFFFFFFF')).toBe('A/0');
    expect(laterPosition('0/100', '0/100')).toBe('0/100');
  });

  it('keeps what it had when a response gives no position, or one it cannot read', () => {
    expect(laterPosition('0/100', null)).toBe('0/100');
    expect(laterPosition('0/100', 'garbage')).toBe('0/100');
    expect(laterPosition(null, null)).toBeNull();
  });
});
