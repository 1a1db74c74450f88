/* Test helpers of requests through the real API: waiting for a request's
 * state, and a ready VM made through the normal flow. */
import request from 'supertest';
import { auth, labSpec, type UserName } from './testBackend';

/** Polls `GET /requests/:id` as `who` until the request is in one of `states`. */
export async function waitForState(
  server: any,
  id: string,
  states: string[],
  who: UserName = 'admin',
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(server)
      .get(`/api/proxmox/requests/${id}`)
      .set('Authorization', auth.user(who));
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

/**
 * A VM made through the normal flow: `who` files it, the admin approves it
 * (unless auto-approved), the executor provisions it; throws unless ready.
 */
export async function createGuest(
  server: any,
  over: Record<string, unknown> = {},
  who: UserName = 'dev',
): Promise<{ id: string; vmid: number; node: string; request: any }> {
  const created = await request(server)
    .post('/api/proxmox/requests')
    .set('Authorization', auth.user(who))
    .send({ spec: labSpec(over) });
  if (created.status !== 201) {
    throw new Error(`create: ${created.status} ${created.text}`);
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
    throw new Error(`create ${id} failed: ${ready.failureReason}`);
  }
  return { id, vmid: ready.guest.vmid, node: ready.guest.node, request: ready };
}
