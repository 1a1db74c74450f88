/* Helpers of the day-2 request tests: a guest made through the normal
 * flow, waiting for a request's state, and the events the backend
 * published. */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import request from 'supertest';
import { auth, labSpec, type UserName } from '../../__testUtils__/testBackend';

/** An in-memory events service that records what was published. */
export function capturingEvents() {
  const events = mockServices.events();
  const published: Array<{ topic: string; eventPayload: any }> = [];
  const factory = createServiceFactory({
    service: eventsServiceRef,
    deps: {},
    factory: () => ({
      publish: async (params: any) => {
        published.push(params);
        await events.publish(params);
      },
      subscribe: (options: any) => events.subscribe(options),
    }),
  });
  return { published, factory };
}

/** Polls `GET /requests/:id` until the request is in one of `states`. */
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
 * (unless auto-approved), the executor provisions it.
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

/** `POST /guests/:cluster/:vmid/requests` as `who`. */
export function fileGuestRequest(
  server: any,
  vmid: number,
  body: unknown,
  who: UserName | 'none' | 'service' = 'dev',
  cluster = 'lab',
) {
  let header: string;
  if (who === 'none') header = auth.none();
  else if (who === 'service') header = auth.service();
  else header = auth.user(who);
  return request(server)
    .post(`/api/proxmox/guests/${cluster}/${vmid}/requests`)
    .set('Authorization', header)
    .send(body as object);
}
