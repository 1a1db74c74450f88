/* Test helpers of the lease and drift tests: guests provisioned through the
 * real API, their requests, and a Proxmox client to change them behind
 * MycoPod's back. */
import { ProxmoxClient } from '@mycopod/plugin-proxmox-node';
import { clustersConfig } from '@mycopod/test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import { auth, labSpec, type UserName } from '../../__testUtils__/testBackend';

/** Polls a request until it is in one of `states`. */
export async function waitForState(
  server: any,
  id: string,
  states: string[],
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(server)
      .get(`/api/proxmox/requests/${id}`)
      .set('Authorization', auth.user('admin'));
    if (res.status !== 200) {
      throw new Error(`GET /requests/${id}: ${res.status} ${res.text}`);
    }
    if (states.includes(res.body.state)) return res.body;
    if (Date.now() > deadline) {
      throw new Error(
        `request ${id} is still ${res.body.state}: ${JSON.stringify(
          res.body.progress,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Files a create request as dev, has admin approve it, waits until it is ready. */
export async function provisionGuest(
  server: any,
  over: Record<string, unknown>,
): Promise<{ id: string; vmid: number; node: string }> {
  const created = await request(server)
    .post('/api/proxmox/requests')
    .set('Authorization', auth.user('dev'))
    .send({ spec: labSpec(over) });
  if (created.status !== 201) {
    throw new Error(`POST /requests: ${created.status} ${created.text}`);
  }
  const id = created.body.id;
  if (created.body.state === 'pending') {
    const approved = await request(server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', auth.user('admin'))
      .send({});
    if (approved.status !== 200) {
      throw new Error(`approve: ${approved.status} ${approved.text}`);
    }
  }
  const ready = await waitForState(server, id, ['ready', 'failed']);
  if (ready.state !== 'ready') {
    throw new Error(`request ${id} failed: ${ready.failureReason}`);
  }
  return { id, vmid: ready.guest.vmid, node: ready.guest.node };
}

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
