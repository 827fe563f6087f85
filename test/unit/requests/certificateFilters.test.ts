import { describe, expect, it } from 'vitest';
import { certificateFilters } from '../../../lib/requests/certificateFilters.js';

const refused = (query: Record<string, string>, field: string) => {
  try {
    certificateFilters(query);
  } catch (e) {
    expect(e).toMatchObject({ code: 'QUERY_INVALID', status: 400, details: { field } });
    return;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
};

describe('certificateFilters', () => {
  it('normalises as the index holds values', () => {
    expect(
      certificateFilters({ san: 'WWW.Example.org', san_suffix: '*.Example.ORG', serial: '00:AB:cd', status: 'revoked', expires_before: '2031-01-01', expires_after: '2030-06-01T12:00:00+02:00', profile: 'web', ca_id: 'c' }),
    ).toEqual({ san: 'DNS:www.example.org', sanSuffix: 'example.org', serial: 'abcd', status: 'revoked', expiresBefore: '2031-01-01T00:00:00.000Z', expiresAfter: '2030-06-01T10:00:00.000Z', profile: 'web', caId: 'c' });
    expect(certificateFilters({ san: '10.0.0.1' })).toEqual({ san: 'IP:10.0.0.1' });
    expect(certificateFilters({ san: 'IP:2001:DB8::1' }).san).toMatch(/^IP:2001:db8:/);
    expect(certificateFilters({ san: '*.example.org' })).toEqual({ san: 'DNS:*.example.org' });
    expect(certificateFilters({ san_suffix: '.example.org' })).toEqual({ sanSuffix: 'example.org' });
    expect(certificateFilters({})).toEqual({});
  });

  it('QUERY_INVALID, naming the parameter, for what cannot match', () => {
    refused({ san: 'not a name!' }, 'san');
    refused({ san_suffix: 'a..b' }, 'san_suffix');
    refused({ san_suffix: '*.*.example.org' }, 'san_suffix');
    refused({ serial: 'xyz' }, 'serial');
    refused({ serial: 'ab'.repeat(21) }, 'serial');
    refused({ status: 'valid' }, 'status');
    refused({ expires_before: 'tomorrow' }, 'expires_before');
    refused({ expires_after: '2030-01-01T00:00:00' }, 'expires_after');
    refused({ expires_after: '2031-02-30' }, 'expires_after');
    refused({ expires_before: '2030-01-01', expires_after: '2031-01-01' }, 'expires_after');
  });
});
