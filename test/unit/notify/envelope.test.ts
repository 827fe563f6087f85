import { describe, expect, it } from 'vitest';
import { NOTIFIABLE_ACTIONS, resourceUrn, toEventBridge } from '../../../lib/notify/index.js';

const PROJECT = '0123456789abcdef0123456789abcdef';

describe('toEventBridge', () => {
  it('has exactly the fields of an EventBridge event', () => {
    const e = toEventBridge({
      id: '018f3a5e-0000-7000-8000-000000000001',
      time: '2024-05-01T12:34:56.789Z',
      projectId: PROJECT,
      action: 'certificate.issued',
      object: { type: 'certificate', id: 'c1' },
      detail: { serial: '01ab', not_after: '2024-06-01T00:00:00Z' },
    });
    expect(e).toEqual({
      version: '0',
      id: '018f3a5e-0000-7000-8000-000000000001',
      'detail-type': 'Certificate Issued',
      source: 'openstack.ca',
      account: PROJECT,
      time: '2024-05-01T12:34:56Z',
      region: 'RegionOne',
      resources: [`urn:openstack:ca:${PROJECT}:certificate/c1`],
      detail: { serial: '01ab', not_after: '2024-06-01T00:00:00Z', action: 'certificate.issued', project_id: PROJECT, object: { type: 'certificate', id: 'c1' } },
    });
  });

  it('names every notifiable action, takes the region, keeps the reason', () => {
    expect(NOTIFIABLE_ACTIONS).toEqual({
      'certificate.issued': 'Certificate Issued',
      'certificate.renewed': 'Certificate Renewed',
      'certificate.expiring': 'Certificate Expiring',
      'certificate.revoked': 'Certificate Revoked',
      'certificate.renewal_failed': 'Certificate Renewal Failed',
    });
    const e = toEventBridge(
      { id: 'e', time: '2024-05-01T00:00:00Z', projectId: PROJECT, action: 'certificate.renewal_failed', reason: 'CA_NOT_ACTIVE' },
      { region: 'regionTwo' },
    );
    expect(e['detail-type']).toBe('Certificate Renewal Failed');
    expect(e.region).toBe('regionTwo');
    expect(e.resources).toEqual([]);
    expect(e.detail).toEqual({ action: 'certificate.renewal_failed', project_id: PROJECT, reason: 'CA_NOT_ACTIVE' });
    expect(toEventBridge({ id: 'e', time: '2024-05-01T00:00:00Z', projectId: PROJECT, action: 'ca.created' })['detail-type']).toBe('CA Created');
  });

  it('does not let event detail overwrite what the event is', () => {
    const e = toEventBridge({ id: 'e', time: '2024-05-01T00:00:00Z', projectId: PROJECT, action: 'certificate.expiring', detail: { action: 'x', project_id: 'other', days_to_expiry: 7 } });
    expect(e.detail).toEqual({ action: 'certificate.expiring', project_id: PROJECT, days_to_expiry: 7 });
  });

  it('encodes URN parts so an id cannot forge another resource', () => {
    expect(resourceUrn('p', 'certificate', 'a/b:c')).toBe('urn:openstack:ca:p:certificate/a%2Fb%3Ac');
  });

  it('refuses an event without a usable time', () => {
    expect(() => toEventBridge({ id: 'e', time: 'yesterday', projectId: PROJECT, action: 'certificate.issued' })).toThrow(expect.objectContaining({ code: 'NOTIFY_EVENT_INVALID' }));
  });
});
