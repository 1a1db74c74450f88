/*
 * Day-2 jobs in the executor, on PostgreSQL 15 and SQLite with the real PVE
 * simulator over HTTPS: a decommission survives a worker dying at every
 * step boundary (the guest is destroyed exactly once), an ambiguous destroy
 * and a guest that is already gone; a resize resumes too; a guest that is
 * no longer ours is never touched; an exhausted retry ends with a clear
 * reason and leaves the guest's declared spec alone.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { stepsOf } from '@mycopod/plugin-proxmox-common';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { GuestReleaseHook } from '../service/ports';
import {
  Harness,
  TEST_CONFIG,
  simGuests,
  startSim,
} from './__testUtils__/harness';

jest.setTimeout(300_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const later = () => Date.now() + TEST_CONFIG.leaseMs + 1;

describe.each(databases.eachSupportedId())('day-2 jobs on %p', databaseId => {
  let sim: RunningSimulator;
  let h: Harness;

  beforeAll(async () => {
    sim = await startSim(27);
    h = await Harness.create(await databases.init(databaseId), sim);
  });
  afterEach(() => sim.setFaults(undefined));
  afterAll(async () => {
    await h?.close();
    await sim?.stop();
  });

  /** A ready VM made by the executor. */
  async function readyGuest(name: string) {
    const id = await h.approve({ name });
    expect(await h.executor().runOnce()).toBe(1);
    const r = await h.expectReady(id);
    return { id, vmid: r.guest!.vmid!, node: r.guest!.node! };
  }

  /** A release hook that records its calls (and that it got a transaction). */
  function recordingHook() {
    const calls: Array<{ cluster: string; vmid: number; requestId: string }> =
      [];
    const hook: GuestReleaseHook = {
      async onGuestReleased(trx, guest) {
        expect(typeof trx.commit).toBe('function');
        calls.push(guest);
      },
    };
    return { calls, hook };
  }

  const decommissionSteps = stepsOf('decommission').filter(s => s !== 'done');

  it.each(decommissionSteps)(
    'a decommission resumes after a crash right after %s: destroyed exactly once, ready',
    async step => {
      const g = await readyGuest(`decom-crash-${step}`);
      const id = await h.approveDay2(g.id, 'decommission');
      const pve = h.clusters.get('lab');
      const deletes = jest.spyOn(pve, 'deleteVmAndWait');
      const { calls, hook } = recordingHook();
      try {
        const crashing = h.executor({
          releaseHooks: [hook],
          hooks: {
            afterStep: async (_id, s) => {
              if (s === step) throw new Error(`killed after ${s}`);
            },
          },
        });
        expect(await crashing.runOnce()).toBe(1);
        const job = (await h.jobs.get(id))!;
        expect(job.status).toBe('running'); // the dead worker left its lease
        expect(job.step).toBe(
          stepsOf('decommission')[stepsOf('decommission').indexOf(step) + 1],
        );
        expect(await h.executor().runOnce()).toBe(0); // lease still valid
        expect(
          await h.executor({ clock: later, releaseHooks: [hook] }).runOnce(),
        ).toBe(1);
        expect(deletes).toHaveBeenCalledTimes(1);
      } finally {
        deletes.mockRestore();
      }
      const r = await h.expectReady(id);
      expect(r.kind).toBe('decommission');
      expect(simGuests(sim).filter(x => x.requestId === g.id)).toEqual([]);
      expect((await h.request(g.id)).state).toBe('decommissioned');
      expect(await h.jobs.reservedVmids('lab', g.id)).toEqual([]);
      expect(calls).toEqual([
        { cluster: 'lab', vmid: g.vmid, requestId: g.id },
      ]);
      expect(h.events).toContainEqual({
        topic: 'proxmox.guest.removed',
        eventPayload: expect.objectContaining({
          vmid: g.vmid,
          requestId: g.id,
        }),
      });
      expect((await h.jobs.progress(id))?.completed).toEqual(decommissionSteps);
    },
  );

  it('a destroy whose answer was lost is settled: the guest is destroyed, the request ready', async () => {
    const g = await readyGuest('decom-ambiguous');
    const id = await h.approveDay2(g.id, 'decommission');
    sim.resetStats();
    sim.setFaults({
      routes: [
        {
          method: 'DELETE',
          path: '/nodes/{node}/qemu/{vmid}',
          rate: 1,
          kinds: ['reset-after'],
        },
      ],
    });
    expect(await h.executor().runOnce()).toBe(1);
    sim.setFaults(undefined);
    const r = await h.expectReady(id);
    expect(r.state).toBe('ready');
    // the client looks before sending again: once the VM is gone it stops;
    // if it looked while the destroy task still held the lock, the re-sent
    // DELETE answers "does not exist", which counts as done
    const deletes = sim.stats().calls['DELETE /nodes/{node}/qemu/{vmid}'];
    expect(deletes).toBeGreaterThanOrEqual(1);
    expect(deletes).toBeLessThanOrEqual(2);
    expect((await h.requests.history(id)).at(-1)?.comment).toBe(
      `VM ${g.vmid} on ${g.node} was destroyed with its disks`,
    );
    expect(simGuests(sim).filter(x => x.requestId === g.id)).toEqual([]);
  });

  it('a resumed decommission whose guest is already gone just proceeds', async () => {
    const g = await readyGuest('decom-gone');
    const id = await h.approveDay2(g.id, 'decommission');
    const crashing = h.executor({
      hooks: {
        afterStep: async (_id, s) => {
          if (s === 'stop') throw new Error('killed');
        },
      },
    });
    expect(await crashing.runOnce()).toBe(1);
    // someone removes it by hand meanwhile
    await h.clusters
      .get('lab')
      .deleteVmAndWait({ node: g.node, vmid: g.vmid, purge: true });
    expect(await h.executor({ clock: later }).runOnce()).toBe(1);
    const r = await h.expectReady(id);
    const history = await h.requests.history(id);
    expect(history.at(-1)?.comment).toBe(
      `VM ${g.vmid} was already gone; its reservation was released`,
    );
    expect(r.state).toBe('ready');
    expect((await h.request(g.id)).state).toBe('decommissioned');
  });

  it('never touches a guest that no longer carries the marker of its create request', async () => {
    const g = await readyGuest('decom-foreign');
    const guest = (sim.state as any).clusters
      .find((c: any) => c.name === 'lab')
      .guests.get(g.vmid);
    guest.config.description = 'someone else took this VM';
    const id = await h.approveDay2(g.id, 'decommission');
    expect(await h.executor().runOnce()).toBe(1);
    const r = await h.request(id);
    expect(r.state).toBe('failed');
    expect(r.failureReason).toMatch(
      new RegExp(
        `^The decommission failed at step stop: VMID ${g.vmid} is no longer the guest of request ${g.id}`,
      ),
    );
    expect(
      simGuests(sim).filter(x => x.vmid === g.vmid && x.cluster === 'lab'),
    ).toHaveLength(1);
    expect((await h.request(g.id)).state).toBe('ready');
  });

  it.each(stepsOf('resize').filter(s => s !== 'done'))(
    'a resize resumes after a crash right after %s',
    async step => {
      const g = await readyGuest(`resize-crash-${step}`);
      const id = await h.approveDay2(
        g.id,
        'resize',
        {
          before: { cores: 2, diskGiB: 10 },
          after: { cores: 3, diskGiB: 16 },
        },
        { cores: 3, diskGiB: 16 },
      );
      const crashing = h.executor({
        hooks: {
          afterStep: async (_id, s) => {
            if (s === step) throw new Error(`killed after ${s}`);
          },
        },
      });
      expect(await crashing.runOnce()).toBe(1);
      expect(await h.executor({ clock: later }).runOnce()).toBe(1);
      await h.expectReady(id);
      const [guest] = simGuests(sim).filter(x => x.requestId === g.id);
      expect(guest.config.scsi0).toMatch(/size=16G/);
      const live = (sim.state as any).clusters
        .find((c: any) => c.name === 'lab')
        .guests.get(g.vmid);
      expect(live.pending.cores ?? live.config.cores).toBe('3');
      expect((await h.request(g.id)).spec).toMatchObject({
        cores: 3,
        diskGiB: 16,
      });
    },
  );

  it('an exhausted retry fails the resize with a clear reason; the guest and its declared spec stay', async () => {
    const g = await readyGuest('resize-fails');
    const id = await h.approveDay2(
      g.id,
      'resize',
      { before: { memoryMiB: 2048 }, after: { memoryMiB: 3072 } },
      { memoryMiB: 3072 },
    );
    sim.setFaults({
      routes: [
        {
          method: 'PUT',
          path: '/nodes/{node}/qemu/{vmid}/config',
          rate: 1,
          kinds: ['503'],
        },
      ],
    });
    const executor = h.executor({ config: { maxAttempts: 2 } });
    executor.start();
    try {
      const [r] = await h.waitTerminal([id]);
      expect(r.state).toBe('failed');
      expect(r.failureReason).toMatch(
        /^The resize failed at step apply-config after 2 attempts: PUT .*config/,
      );
      expect(r.failureReason).not.toContain(sim.token.secret);
    } finally {
      await executor.stop();
      sim.setFaults(undefined);
    }
    expect(simGuests(sim).filter(x => x.requestId === g.id)).toHaveLength(1);
    expect((await h.request(g.id)).spec.memoryMiB).toBe(2048);
    expect((await h.request(g.id)).state).toBe('ready');
  });
});
