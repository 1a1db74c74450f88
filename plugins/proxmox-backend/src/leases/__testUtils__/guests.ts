/* Test helpers of the lease and drift tests: a guest's live status, and a
 * Proxmox client to change guests behind MycoPod's back (ready guests:
 * src/__testUtils__/requests.ts). */
import { ProxmoxClient } from '@mycopod/plugin-proxmox-node';
import { clustersConfig } from '@mycopod/test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import { auth, type UserName } from '../../__testUtils__/testBackend';

/** `GET /guests/:cluster/:vmid` as a persona. */
export async function getGuest(
  server: any,
  vmid: number,
  who: UserName = 'dev',
  cluster = 'lab',
) {
  const res = await request(server)
    .get(`/api/proxmox/guests/${cluster}/${vmid}`)
    .set('Authorization', auth.user(who));
  if (res.status !== 200) {
    throw new Error(
      `GET /guests/${cluster}/${vmid}: ${res.status} ${res.text}`,
    );
  }
  return res.body;
}

/** A Proxmox client of a simulator cluster: changes made outside MycoPod. */
export function simClient(sim: RunningSimulator, cluster = 'lab') {
  const config = clustersConfig(sim).find(c => c.name === cluster)!;
  return new ProxmoxClient({ cluster: config });
}
