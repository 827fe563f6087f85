import { describe, expect, it } from 'vitest';
import { costPerMillion, scaleOnPaper, type PerCertificate } from '../../../bench/costModel.js';

const one: PerCertificate = { apiRequests: 0, apiMs: 0, apiMemoryMb: 512, queueInvocations: 0, queueMs: 0, queueMemoryMb: 512, dynamoWriteUnits: 0, dynamoReadUnits: 0, sqsRequests: 0, keystoneCalls: 0, barbicanCalls: 0 };
const usd = (c: Partial<PerCertificate>, item: string) => costPerMillion({ ...one, ...c }).lines.find((l) => l.item === item)!.usd;

describe('costPerMillion', () => {
  it('prices each counted request at its list price per million', () => {
    expect(usd({ dynamoWriteUnits: 1 }, 'DynamoDB writes')).toBeCloseTo(0.625);
    expect(usd({ dynamoReadUnits: 2 }, 'DynamoDB reads')).toBeCloseTo(0.25);
    expect(usd({ sqsRequests: 3 }, 'SQS')).toBeCloseTo(1.2);
    expect(usd({ apiRequests: 2 }, 'HTTP API')).toBeCloseTo(2);
    expect(usd({ apiRequests: 2, queueInvocations: 1 }, 'Lambda requests')).toBeCloseTo(0.6);
  });
  it('bills Lambda time by GB-second: 1 s at 1024 MB is $0.0000133334, a million of them $13.33', () => {
    expect(usd({ queueMs: 1000, queueMemoryMb: 1024 }, 'Lambda duration')).toBeCloseTo(13.3334, 3);
    expect(usd({ apiMs: 500, apiMemoryMb: 512 }, 'Lambda duration')).toBeCloseTo(13.3334 / 4, 3);
  });
  it('totals its lines', () => {
    const c = costPerMillion({ ...one, dynamoWriteUnits: 1, sqsRequests: 1 });
    expect(c.totalUsd).toBeCloseTo(1.025);
  });
});

describe('scaleOnPaper', () => {
  it("turns a partition's write units per certificate into the rate its 1,000 units a second allow", () => {
    const lines = scaleOnPaper({ ...one, queueMs: 100 }, [{ partition: 'table P#0123456789abcdef0123456789abcdef', writeUnitsPerCert: 20 }]);
    expect(lines[0]).toContain('P#<project>');
    expect(lines[0]).toContain('at most 50 certificates/s for one project');
    expect(lines[1]).toContain('10 certificates/s per concurrent worker, 10000/s');
  });

  it('caps one project by its time-ordered items, which splits for heat cannot spread', () => {
    const lines = scaleOnPaper({ ...one, queueMs: 100 }, [{ partition: 'table P#0123456789abcdef0123456789abcdef', writeUnitsPerCert: 20 }], 5);
    expect(lines[1]).toContain('EVT, NOTAFTER: 5.00 write units per certificate');
    expect(lines[1]).toContain('at most 200 certificates/s for one project');
    expect(lines[2]).toContain('per concurrent worker');
  });
});
