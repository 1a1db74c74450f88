/*
 * Day-2 requests end to end through the HTTP API, on PostgreSQL and SQLite,
 * with the real executor and the PVE simulator over HTTPS: a VM is made
 * through the normal flow, then resized, given a longer lease, reconciled
 * and decommissioned; quotas count the new size; the conflicts are 409s.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { requestMarker } from '@mycopod/plugin-proxmox-common';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  auth,
  labSpec,
  startProxmoxBackend,
  startSim,
} from '../__testUtils__/testBackend';
import { DriftStore } from '../drift/DriftStore';
import { createGuest, waitForState } from '../__testUtils__/requests';
import { capturingEvents, fileGuestRequest } from './__testUtils__/day2';

jest.setTimeout(180_000);

const DAY_MS = 24 * 60 * 60 * 1000;
const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('on %p', databaseId => {
  let sim: RunningSimulator;
  let knex: Knex;
  let ctx: Awaited<ReturnType<typeof startProxmoxBackend>>;
  const events = capturingEvents();

  beforeAll(async () => {
    sim = await startSim(21);
    knex = await databases.init(databaseId);
    ctx = await startProxmoxBackend({
      knex,
      sim,
      features: [events.factory],
      proxmox: {
        policy: {
          defaults: { quota: { count: 100, memoryMiB: 1_000_000 } },
          groups: [
            { group: 'group:default/team-q', quota: { memoryMiB: 6144 } },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });

  const simGuest = (vmid: number) =>
    sim.state.clusters.find(c => c.name === 'lab')!.guests.get(vmid)!;
  const effective = (vmid: number, key: string) => {
    const g = simGuest(vmid);
    return g.pending[key] ?? g.config[key];
  };
  const guestStatus = (vmid: number) =>
    request(ctx.server)
      .get(`/api/proxmox/guests/lab/${vmid}`)
      .set('Authorization', auth.user('dev'));
  const row = async (id: string) =>
    knex('proxmox_requests').where({ id }).first();

  it('resize → approve → ready: the guest has the new size, its create request declares it', async () => {
    const g = await createGuest(ctx.server, {
      name: 'resize-01',
      cores: 2,
      memoryMiB: 2048,
      diskGiB: 40,
    });
    const filed = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'resize',
      cores: 4,
      memoryMiB: 4096,
      diskGiB: 60,
      justification: 'more load',
    });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({
      kind: 'resize',
      state: 'pending',
      requester: 'user:default/dev',
      owner: 'group:default/team-a',
      target: { cluster: 'lab', vmid: g.vmid, createRequestId: g.id },
      change: {
        before: { cores: 2, memoryMiB: 2048, diskGiB: 40 },
        after: { cores: 4, memoryMiB: 4096, diskGiB: 60 },
        // running, default hotplug (network, disk, usb)
        rebootRequired: true,
      },
    });
    expect(filed.body.findings).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        code: 'resize.reboot-required',
      }),
    );
    const id = filed.body.id;
    // the quota columns hold the delta while it is open
    expect(await row(id)).toMatchObject({
      cores: 2,
      memory_mib: 2048,
      disk_gib: 20,
    });
    expect((await guestStatus(g.vmid)).body.openRequests).toEqual([
      { id, kind: 'resize', state: 'pending' },
    ]);
    expect(ctx.sent.notifications).toContainEqual(
      expect.objectContaining({
        recipients: expect.objectContaining({
          entityRef: ['group:default/platform-admins'],
        }),
        payload: expect.objectContaining({
          title: `Resize of VM resize-01 (lab/${g.vmid}) awaits approval`,
          description: expect.stringContaining('cores 2 → 4'),
        }),
      }),
    );

    const approved = await request(ctx.server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', auth.user('admin'))
      .send({ comment: 'ok' });
    expect(approved.status).toBe(200);
    const ready = await waitForState(
      ctx.server,
      id,
      ['ready', 'failed'],
      'dev',
    );
    expect(ready.failureReason).toBeUndefined();
    expect(ready.state).toBe('ready');
    expect(ready.progress.completed).toEqual(['apply-config', 'resize-disk']);
    expect(ready.history.at(-1).comment).toContain('next reboot');

    // Proxmox: the disk grew; CPU and memory wait for the reboot (pending)
    expect(simGuest(g.vmid).config.scsi0).toMatch(/size=60G/);
    expect(effective(g.vmid, 'cores')).toBe('4');
    expect(effective(g.vmid, 'memory')).toBe('4096');
    expect(simGuest(g.vmid).pending.cores).toBe('4');

    // the create request declares the new size, the delta is gone
    const created = await request(ctx.server)
      .get(`/api/proxmox/requests/${g.id}`)
      .set('Authorization', auth.user('dev'));
    expect(created.body.spec).toMatchObject({
      cores: 4,
      memoryMiB: 4096,
      diskGiB: 60,
    });
    expect(await row(g.id)).toMatchObject({
      cores: 4,
      memory_mib: 4096,
      disk_gib: 60,
    });
    expect(await row(id)).toMatchObject({
      cores: 0,
      memory_mib: 0,
      disk_gib: 0,
    });

    expect(events.published).toContainEqual({
      topic: 'proxmox.guest.changed',
      eventPayload: expect.objectContaining({
        cluster: 'lab',
        vmid: g.vmid,
        requestId: g.id,
      }),
    });
    expect(ctx.sent.notifications).toContainEqual(
      expect.objectContaining({
        recipients: {
          type: 'entity',
          entityRef: ['user:default/dev', 'group:default/team-a'],
        },
        payload: expect.objectContaining({
          title: `VM resize-01 (lab/${g.vmid}) was resized`,
        }),
      }),
    );
    expect(ctx.sent.signals).toContainEqual(
      expect.objectContaining({
        channel: `proxmox:guest:lab:${g.vmid}`,
        message: expect.objectContaining({ requestId: id, state: 'ready' }),
      }),
    );
    expect((await guestStatus(g.vmid)).body.openRequests).toEqual([]);
  });

  it('quotas count the new size: a resize beyond the group quota is a policy error', async () => {
    const g = await createGuest(
      ctx.server,
      { name: 'quota-r1', owner: 'group:default/team-q', memoryMiB: 4096 },
      'quser',
    );
    const tooBig = await fileGuestRequest(
      ctx.server,
      g.vmid,
      { kind: 'resize', memoryMiB: 8192 },
      'quser',
    );
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.findings).toContainEqual(
      expect.objectContaining({ level: 'error', code: 'quota.memory' }),
    );
    expect(
      tooBig.body.findings.find((f: any) => f.code === 'quota.memory').message,
    ).toBe(
      'team-q has 4 GiB of 6 GiB memory in use; 4 GiB more would exceed the quota',
    );

    // 4 GiB used + 2 GiB more fits 6 GiB exactly
    const fits = await fileGuestRequest(
      ctx.server,
      g.vmid,
      { kind: 'resize', memoryMiB: 6144 },
      'quser',
    );
    expect(fits.status).toBe(201);
    expect(fits.body.state).toBe('pending');
    // a new VM of the group now meets the pending growth (a warning)
    const validate = await request(ctx.server)
      .post('/api/proxmox/requests/validate')
      .set('Authorization', auth.user('quser'))
      .send({
        spec: labSpec({
          name: 'quota-r2',
          owner: 'group:default/team-q',
          memoryMiB: 2048,
        }),
      });
    expect(validate.body.allowed).toBe(true);
    expect(validate.body.findings).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        code: 'quota.memory',
        message: expect.stringContaining('1 pending request (2 GiB of memory)'),
      }),
    );
    const cancelled = await request(ctx.server)
      .post(`/api/proxmox/requests/${fits.body.id}/cancel`)
      .set('Authorization', auth.user('quser'))
      .send({});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');

    // a shrink frees nothing before it is done
    const shrink = await fileGuestRequest(
      ctx.server,
      g.vmid,
      { kind: 'resize', memoryMiB: 2048, diskGiB: 50 },
      'quser',
    );
    expect(shrink.status).toBe(201);
    expect(await row(shrink.body.id)).toMatchObject({
      cores: 0,
      memory_mib: 0,
      disk_gib: 10,
    });
  });

  it('extend-lease within the maximum is auto-approved and moves the lease end; beyond it a policy error', async () => {
    const g = await createGuest(ctx.server, { name: 'lease-01' });
    const before = (await guestStatus(g.vmid)).body.leaseEndsAt;
    expect(before).toEqual(expect.any(String));
    const filed = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'extend-lease',
      days: 7,
    });
    expect(filed.status).toBe(201);
    expect(filed.body.state).toBe('approved');
    expect(filed.body.change).toEqual({
      before: { leaseEndsAt: before },
      after: {
        leaseEndsAt: new Date(Date.parse(before) + 7 * DAY_MS).toISOString(),
      },
    });
    const ready = await waitForState(ctx.server, filed.body.id, [
      'ready',
      'failed',
    ]);
    expect(ready.state).toBe('ready');
    expect(ready.history.map((h: any) => [h.actor, h.toState])).toEqual([
      ['user:default/dev', 'pending'],
      ['system', 'approved'],
      ['system', 'provisioning'],
      ['system', 'ready'],
    ]);
    expect((await guestStatus(g.vmid)).body.leaseEndsAt).toBe(
      new Date(Date.parse(before) + 7 * DAY_MS).toISOString(),
    );

    const tooLong = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'extend-lease',
      days: 200,
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        field: 'days',
        code: 'lease.too-long',
      }),
    );
  });

  it('decommission → approve → the guest is destroyed, its create request decommissioned, the catalog told', async () => {
    const g = await createGuest(ctx.server, { name: 'decom-01' });
    expect(sim.guests({ marker: requestMarker(g.id) })).toHaveLength(1);
    const filed = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'decommission',
      justification: 'not needed any more',
    });
    expect(filed.status).toBe(201);
    expect(filed.body.state).toBe('pending');
    expect(filed.body.change.after).toEqual({ status: 'destroyed' });
    const approved = await request(ctx.server)
      .post(`/api/proxmox/requests/${filed.body.id}/approve`)
      .set('Authorization', auth.user('admin'))
      .send({});
    expect(approved.status).toBe(200);
    const ready = await waitForState(ctx.server, filed.body.id, [
      'ready',
      'failed',
    ]);
    expect(ready.failureReason).toBeUndefined();
    expect(ready.state).toBe('ready');
    expect(ready.progress.completed).toEqual(['stop', 'destroy', 'release']);
    expect(ready.history[0].comment).toBe('not needed any more');

    expect(sim.guests({ marker: requestMarker(g.id) })).toEqual([]);
    const created = await waitForState(ctx.server, g.id, ['decommissioned']);
    expect(created.history.at(-1)).toMatchObject({
      actor: 'system',
      fromState: 'ready',
      toState: 'decommissioned',
    });
    expect(
      await knex('proxmox_vmid_reservations').where({ request_id: g.id }),
    ).toEqual([]);
    expect(events.published).toContainEqual({
      topic: 'proxmox.guest.removed',
      eventPayload: expect.objectContaining({
        cluster: 'lab',
        vmid: g.vmid,
        requestId: g.id,
      }),
    });
    // the records stay; the guest is gone
    expect((await guestStatus(g.vmid)).status).toBe(404);
    // the owner group owns nothing there any more; an admin gets the 409
    const again = await fileGuestRequest(
      ctx.server,
      g.vmid,
      { kind: 'resize', cores: 3 },
      'admin',
    );
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/decommissioned/);
  });

  it('reconcile puts the declared values back (drift from the drift store); none recorded is a 409', async () => {
    const g = await createGuest(ctx.server, { name: 'drift-01', cores: 2 });
    const none = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'reconcile',
    });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toMatch(/No drift recorded/);

    // someone changed the guest in Proxmox
    const guest = simGuest(g.vmid);
    const declaredTags = guest.config.tags.split(';').sort();
    guest.config.cores = '3';
    guest.config.tags = [...declaredTags, 'by-hand'].join(';');
    await new DriftStore(knex).replace(
      { cluster: 'lab', vmid: g.vmid, requestId: g.id },
      [
        { field: 'cores', declared: 2, actual: 3 },
        {
          field: 'tags',
          declared: declaredTags,
          actual: [...declaredTags, 'by-hand'].sort(),
        },
      ],
      Date.now(),
    );
    const filed = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'reconcile',
    });
    expect(filed.status).toBe(201);
    expect(filed.body.state).toBe('approved'); // restores what was approved
    expect(filed.body.change).toEqual({
      before: { cores: 3, tags: [...declaredTags, 'by-hand'].sort() },
      after: { cores: 2, tags: declaredTags },
    });
    const ready = await waitForState(ctx.server, filed.body.id, [
      'ready',
      'failed',
    ]);
    expect(ready.failureReason).toBeUndefined();
    expect(ready.progress.completed).toEqual([
      'apply-config',
      'resize-disk',
      'firewall',
    ]);
    expect(effective(g.vmid, 'cores')).toBe('2');
    expect(effective(g.vmid, 'tags').split(';').sort()).toEqual(declaredTags);
    expect(events.published).toContainEqual({
      topic: 'proxmox.guest.changed',
      eventPayload: expect.objectContaining({ vmid: g.vmid }),
    });
  });

  it('409: a second open request names the first; a guest MycoPod did not create; a guest not ready', async () => {
    const g = await createGuest(ctx.server, { name: 'conflict-01' });
    const first = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'resize',
      cores: 3,
    });
    expect(first.status).toBe(201);
    const second = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'decommission',
    });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain(first.body.id);
    await request(ctx.server)
      .post(`/api/proxmox/requests/${first.body.id}/cancel`)
      .set('Authorization', auth.user('dev'))
      .send({});
    const afterCancel = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'decommission',
    });
    expect(afterCancel.status).toBe(201);
    await request(ctx.server)
      .post(`/api/proxmox/requests/${afterCancel.body.id}/reject`)
      .set('Authorization', auth.user('admin'))
      .send({ comment: 'keep it' });

    // a guest of the demo fleet (not made by MycoPod): an admin may act on
    // it, but not through a MycoPod request
    const foreign = sim
      .guests({ cluster: 'lab' })
      .find(x => !x.template && x.type === 'qemu' && !x.description);
    expect(foreign).toBeDefined();
    for (const body of [
      { kind: 'resize', cores: 2 },
      { kind: 'decommission' },
      { kind: 'extend-lease', days: 1 },
    ]) {
      const res = await fileGuestRequest(
        ctx.server,
        foreign!.vmid,
        body,
        'admin',
      );
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/not created by MycoPod/);
    }
    expect(
      (
        await fileGuestRequest(
          ctx.server,
          99_999_999,
          { kind: 'decommission' },
          'admin',
        )
      ).status,
    ).toBe(404);

    // an expired guest: no resize, but a longer lease
    await knex('proxmox_requests')
      .where({ id: g.id })
      .update({ state: 'expired' });
    const resize = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'resize',
      cores: 3,
    });
    expect(resize.status).toBe(409);
    expect(resize.body.error.message).toMatch(/is expired/);
    const extend = await fileGuestRequest(ctx.server, g.vmid, {
      kind: 'extend-lease',
      days: 3,
    });
    expect(extend.status).toBe(201);
  });
});
