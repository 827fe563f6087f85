import type { FaultMode } from '../../dev/faults/proxy.js';

/** The stack's fault proxies in front of the worker (scripts/with-stack.ts passes FAULTS_URL). */
export async function setFault(name: 'dynamodb' | 'keystone' | 'barbican', mode: FaultMode): Promise<void> {
  const url = process.env.FAULTS_URL;
  if (!url) throw new Error('FAULTS_URL is not set: run under scripts/with-stack.ts');
  const res = await fetch(`${url}/faults/${name}`, { method: 'PUT', body: JSON.stringify(mode) });
  if (res.status !== 200) throw new Error(`setting the ${name} fault failed: ${res.status} ${await res.text()}`);
}
