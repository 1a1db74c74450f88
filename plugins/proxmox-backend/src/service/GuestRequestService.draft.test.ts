/*
 * The service API of day-2 requests the other parts of the backend use, on
 * PostgreSQL and SQLite with the real executor and simulator: drafts
 * (`submit: false`, LLM plans) that are submitted later, and
 * `fileSystemRequest` (the lease scheduler's decommission).
 */
import { ConfigReader } from '@backstage/config';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { randomUUID } from 'node:crypto';
import {
  Harness,
  simGuests,
  startSim,
} from '../executor/__testUtils__/harness';
import { readPolicyConfig } from '../policy';
import { GuestRequestService } from './GuestRequestService';
import { RequestService } from './RequestService';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('day-2 service API on %p', id => {
  let sim: RunningSimulator;
  let h: Harness;
  let guestRequests: GuestRequestService;
  let requests: RequestService;
  const dev = {
    credentials: mockCredentials.user('user:default/dev'),
    userRef: 'user:default/dev',
    ownership: ['user:default/dev', 'group:default/team-a'],
  };

  beforeAll(async () => {
    sim = await startSim(29);
    h = await Harness.create(await databases.init(id), sim);
    const permissions = mockServices.permissions();
    requests = new RequestService({
      store: h.requests,
      jobs: h.jobs,
      stateMachine: h.stateMachine,
      notifier: h.notifier,
      permissions,
      transformConditions: () => ({ key: 'owner', values: [] }),
      policy: readPolicyConfig(new ConfigReader({})),
      templateDiskGiB: async () => undefined,
    });
    guestRequests = new GuestRequestService({
      store: h.requests,
      requests,
      notifier: h.notifier,
      permissions,
      clusters: h.clusters,
    });
  });
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
  });

  async function readyGuest(name: string) {
    const createId = await h.approve({ name });
    expect(await h.executor().runOnce()).toBe(1);
    const r = await h.expectReady(createId);
    return { id: createId, vmid: r.guest!.vmid! };
  }

  it('drafts are not open requests until submitted; the second submit is a 409', async () => {
    const g = await readyGuest('draft-01');
    const planId = randomUUID();
    const file = (cores: number) =>
      guestRequests.file(
        {
          cluster: 'lab',
          vmid: g.vmid,
          body: { kind: 'resize', cores },
          submit: false,
          planId,
        },
        dev,
      );
    const a = await file(3);
    const b = await file(4);
    expect([a.state, b.state]).toEqual(['draft', 'draft']);
    expect(a).toMatchObject({
      planId,
      target: { vmid: g.vmid, createRequestId: g.id },
      change: { before: { cores: 2 }, after: { cores: 3 } },
    });
    expect(await guestRequests.openRequests('lab', g.vmid)).toEqual([]);

    const submitted = await requests.submit(a.id, dev);
    expect(submitted.state).toBe('pending');
    expect(await guestRequests.openRequests('lab', g.vmid)).toEqual([
      { id: a.id, kind: 'resize', state: 'pending' },
    ]);
    await expect(requests.submit(b.id, dev)).rejects.toThrow(
      new RegExp(`Request ${a.id} \\(resize, pending\\) is already open`),
    );
    expect((await h.request(b.id)).state).toBe('draft');
  });

  it('fileSystemRequest files and approves a decommission as system; the executor destroys the guest', async () => {
    const g = await readyGuest('system-01');
    const open = await guestRequests.file(
      { cluster: 'lab', vmid: g.vmid, body: { kind: 'resize', cores: 3 } },
      dev,
    );
    const input = {
      kind: 'decommission' as const,
      cluster: 'lab',
      vmid: g.vmid,
      comment: 'The lease ended a week ago',
    };
    await expect(guestRequests.fileSystemRequest(input)).rejects.toThrow(
      open.id,
    );
    await requests.cancel(open.id, undefined, dev);

    const filed = await guestRequests.fileSystemRequest(input);
    expect(filed).toMatchObject({
      kind: 'decommission',
      state: 'approved',
      requester: 'system',
      owner: 'group:default/team-a',
    });
    const history = await h.requests.history(filed.id);
    expect(history.map(e => [e.actor, e.toState, e.comment])).toEqual([
      ['system', 'pending', 'The lease ended a week ago'],
      ['system', 'approved', 'The lease ended a week ago'],
    ]);
    expect(await h.executor().runOnce()).toBe(1);
    await h.expectReady(filed.id);
    expect(simGuests(sim).filter(x => x.requestId === g.id)).toEqual([]);
    expect((await h.request(g.id)).state).toBe('decommissioned');
  });
});
