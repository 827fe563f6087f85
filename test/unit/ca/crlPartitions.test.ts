import { afterEach, describe, expect, it } from 'vitest';
import { crlPartitionDays, crlPartitionFor, isPartitionOf } from '../../../lib/ca/index.js';

/** Which partition CRL a leaf names: the window its notAfter falls in, under its generation's CRL name. */
describe('CRL partitions', () => {
  afterEach(() => {
    delete process.env.CRL_PARTITION_DAYS;
  });

  it('puts a leaf in the day window of its notAfter, named after the window and the generation', () => {
    const at = new Date('2027-03-01T12:34:56Z');
    expect(crlPartitionFor(undefined, at, 1)).toEqual({ name: 'p20270301', coversUntil: new Date('2027-03-02T00:00:00Z') });
    expect(crlPartitionFor('g2', at, 1)).toEqual({ name: 'g2.p20270301', coversUntil: new Date('2027-03-02T00:00:00Z') });
    // The last instant of a day is still in it; midnight starts the next.
    expect(crlPartitionFor(undefined, new Date('2027-03-01T23:59:59.999Z'), 1)!.name).toBe('p20270301');
    expect(crlPartitionFor(undefined, new Date('2027-03-02T00:00:00Z'), 1)!.name).toBe('p20270302');
  });

  it('windows of several days are aligned, so every worker names the same one', () => {
    const a = crlPartitionFor(undefined, new Date('2027-03-01T00:00:00Z'), 7)!;
    const b = crlPartitionFor(undefined, new Date('2027-03-03T18:00:00Z'), 7)!;
    expect(a).toEqual(b);
    expect(a.coversUntil.getTime() - Date.parse(`${a.name.slice(1, 5)}-${a.name.slice(5, 7)}-${a.name.slice(7)}T00:00:00Z`)).toBe(7 * 86_400_000);
  });

  it('is off with CRL_PARTITION_DAYS=0; a setting that is no whole number of days up to 366 means one day', () => {
    expect(crlPartitionFor(undefined, new Date(), 0)).toBeUndefined();
    process.env.CRL_PARTITION_DAYS = '0';
    expect(crlPartitionDays()).toBe(0);
    for (const bad of ['-1', '1.5', 'x', '400']) {
      process.env.CRL_PARTITION_DAYS = bad;
      expect(crlPartitionDays(), bad).toBe(1);
    }
  });

  it('tells a generation’s partitions from other CRL names', () => {
    expect(isPartitionOf('p20270301', undefined)).toBe(true);
    expect(isPartitionOf('g2.p20270301', 'g2')).toBe(true);
    expect(isPartitionOf('g2.p20270301', undefined)).toBe(false);
    expect(isPartitionOf('p20270301', 'g2')).toBe(false);
    expect(isPartitionOf('g2', 'g2')).toBe(false);
    expect(isPartitionOf('g12.p20270301', 'g1')).toBe(false);
  });
});
