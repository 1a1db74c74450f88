/* Helpers of the day-2 request tests: filing a guest request, and the
 * events the backend published (a ready guest and waiting for a request's
 * state: src/__testUtils__/requests.ts). */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import request from 'supertest';
import { auth, type UserName } from '../../__testUtils__/testBackend';

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
