import { describe, expect, it } from 'vitest';
import { time } from '../../../lib/x509/derWriter.js';

/** RFC 5280 4.1.2.5 times, written digit by digit: the same bytes as the ISO text they stand for. */
const fromIso = (d: Date) => {
  const digits = d.toISOString().slice(0, 19).replace(/[-T:]/g, '');
  const y = d.getUTCFullYear();
  return y >= 1950 && y <= 2049 ? Buffer.concat([Buffer.from([0x17, 13]), Buffer.from(`${digits.slice(2)}Z`)]) : Buffer.concat([Buffer.from([0x18, 15]), Buffer.from(`${digits}Z`)]);
};

describe('DER time', () => {
  it('is UTCTime through 2049 and GeneralizedTime from 2050, to the second, in Zulu', () => {
    expect(time(new Date('2049-12-31T23:59:59.999Z')).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
    expect(time(new Date('1950-01-01T00:00:00Z')).toString('latin1')).toBe('\x17\x0d500101000000Z');
    expect(time(new Date('1949-12-31T23:59:59Z')).toString('latin1')).toBe('\x18\x0f19491231235959Z');
    expect(time(new Date('9999-12-31T23:59:59Z')).toString('latin1')).toBe('\x18\x0f99991231235959Z');
  });

  it('matches the ISO text for any time from 1900 to 9999', () => {
    for (let i = 0; i < 2000; i++) {
      const d = new Date(Date.UTC(1900, 0, 1) + Math.floor(Math.random() * (Date.UTC(9999, 11, 31) - Date.UTC(1900, 0, 1))));
      expect(time(d), d.toISOString()).toEqual(fromIso(d));
    }
  });

  it('refuses a year it cannot write in four digits', () => {
    expect(() => time(new Date('+010000-01-01T00:00:00Z'))).toThrow(/year 10000/);
    expect(() => time(new Date(Number.NaN))).toThrow();
  });
});
