/*
 * The executor against a real database (PostgreSQL 15 and SQLite) and the
 * real PVE simulator over HTTPS: the happy path, and a worker dying at every
 * step boundary (a fresh executor resumes) without ever creating a second VM.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { PROVISIONING_STEPS } from '@mycopod/plugin-proxmox-common';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import {
  Harness,
  TEST_CONFIG,
  simGuests,
  startSim,
} from './__testUtils__/harness';
import { classifyFailure, describeError, redact } from './errors';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe('errors', () => {
  it('never shows a token', () => {
    const text =
      'Authorization: PVEAPIToken=root@pam!mycopod=1234-abcd failed; tokenSecret: s3cr3t';
    expect(redact(text)).not.toMatch(/1234-abcd|s3cr3t/);
    expect(describeError(new Error(text))).not.toMatch(/1234-abcd|s3cr3t/);
  });

  it('abandons on abort, retries unknown errors, fails input errors', () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(classifyFailure(new Error('x'), aborted.signal)).toBe('abandon');
    expect(classifyFailure(new Error('connection terminated'))).toBe(
      'transient',
    );
    const input = new Error('bad');
    input.name = 'InputError';
    expect(classifyFailure(input)).toBe('permanent');
  });
});

describe.each(databases.eachSupportedId())(
  'ProvisioningExecutor on %p',
  databaseId => {
    let sim: RunningSimulator;
    let h: Harness;

    beforeAll(async () => {
      sim = await startSim(5);
      h = await Harness.create(await databases.init(databaseId), sim);
    });

    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    it('provisions a VM exactly as the spec asks', async () => {
      const id = await h.approve({ name: 'happy-1', diskGiB: 40 });
      const executor = h.executor();
      expect(await executor.runOnce()).toBe(1);

      const request = await h.request(id);
      expect(request.state).toBe('ready');
      const mine = simGuests(sim).filter(g => g.requestId === id);
      expect(mine).toHaveLength(1);
      const [guest] = mine;
      expect(request.guest).toEqual({
        cluster: 'lab',
        node: guest.node,
        vmid: guest.vmid,
      });

      const c = guest.config;
      expect(c.name).toBe('happy-1');
      expect(c.cores).toBe('2');
      expect(c.memory).toBe('2048');
      expect(c.scsi0).toMatch(/size=40G/);
      expect(c.ciuser).toBe('ubuntu');
      expect(decodeURIComponent(c.sshkeys)).toContain('dev@example.com');
      expect(c.ipconfig0).toBe('ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto');
      expect(c.net0.split(',').sort()).toEqual([
        'bridge=vmbr1',
        'firewall=1',
        'tag=42',
        expect.stringMatching(/^virtio=[0-9A-F:]{17}$/),
      ]);
      expect(c.tags.split(';').sort()).toEqual(['mycopod', 'team-a']);
      expect(c.description).toBe(
        `mycopod-request: ${id}\nmade by the executor tests`,
      );
      expect(c.lock).toBeUndefined();
      expect(guest.status).toBe('running');
      const fw = (sim.state as any).clusters
        .find((x: any) => x.name === 'lab')
        .guests.get(guest.vmid).firewall;
      expect(fw.options.enable).toBe('1');
      expect(
        fw.rules
          .filter((r: any) => r.type === 'group')
          .map((r: any) => r.action)
          .sort(),
      ).toEqual(['ssh', 'web']);

      const progress = await h.jobs.progress(id);
      expect(progress).toMatchObject({
        step: 'done',
        completed: PROVISIONING_STEPS.filter(s => s !== 'done'),
      });
      expect(progress!.upid).toMatch(/^UPID:/);
      expect(progress!.ipAddresses?.length).toBeGreaterThan(0);
      expect((await h.jobs.get(id))!.status).toBe('succeeded');
      expect(h.events).toContainEqual({
        topic: 'proxmox.guest.created',
        eventPayload: expect.objectContaining({
          requestId: id,
          vmid: guest.vmid,
          cluster: 'lab',
        }),
      });
      expect(h.audits).toContainEqual(
        expect.objectContaining({
          eventId: 'provisioning',
          outcome: 'success',
        }),
      );
      expect(
        h.progress.filter(p => p.requestId === id).map(p => p.step),
      ).toEqual(PROVISIONING_STEPS.slice(1));
      // the reservation row stays with the guest
      expect(await h.jobs.reservedVmids('lab', id)).toEqual([guest.vmid]);
      // no secret anywhere
      const row = JSON.stringify(await h.jobs.get(id));
      expect(row).not.toContain(sim.token.secret);
      expect(h.logs.join('\n')).not.toContain(sim.token.secret);
    });

    it('a fresh VM costs no redundant Proxmox reads', async () => {
      sim.resetStats();
      const id = await h.approve({ name: 'lean-1', diskGiB: 40 });
      expect(await h.executor().runOnce()).toBe(1);
      expect((await h.request(id)).state).toBe('ready');
      const { calls } = sim.stats();
      // the candidate /cluster/nextid returned is not probed again
      expect(calls['GET /cluster/nextid']).toBe(1);
      // task logs are read only for failed tasks
      expect(calls['GET /nodes/{node}/tasks/{upid}/log'] ?? 0).toBe(0);
      // nothing looked up before the clone to the VMID allocated just now;
      // configure and resize-disk reuse the config wait-clone read (which
      // reads it again once the clone lock is gone)
      expect(calls['GET /nodes/{node}/qemu/{vmid}/config']).toBeLessThanOrEqual(
        2,
      );
    });

    it('reserves a VMID once per cluster (its own reservation stays its own)', async () => {
      const now = Date.now();
      expect(await h.jobs.reserveVmid('lab', 990_001, 'req-a', now)).toBe(true);
      expect(await h.jobs.reserveVmid('lab', 990_001, 'req-b', now)).toBe(
        false,
      );
      expect(await h.jobs.reserveVmid('lab', 990_001, 'req-a', now)).toBe(true);
      expect(await h.jobs.reserveVmid('edge', 990_001, 'req-b', now)).toBe(
        true,
      );
      await h.jobs.releaseVmid('lab', 990_001, 'req-a');
      await h.jobs.releaseVmid('edge', 990_001, 'req-b');
    });

    it('claims within the per-cluster and per-template limits', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await h.approve({ name: `limit-${i}`, template: 9000 }));
      }
      ids.push(await h.approve({ name: 'limit-x', template: 9001 }));
      const e = h.executor({
        config: { concurrency: { perCluster: 3, perTemplate: 2 } },
      });
      expect(await e.runOnce()).toBe(3); // two clones of 9000, one of 9001
      expect(await e.runOnce()).toBe(2);
      expect(await e.runOnce()).toBe(1);
      for (const id of ids) {
        await h.expectReady(id);
        expect(simGuests(sim).filter(g => g.requestId === id)).toHaveLength(1);
      }
    });

    it('does not start a job whose request was cancelled', async () => {
      const id = await h.approve({ name: 'cancelled-1' });
      await h.stateMachine.apply({
        id,
        event: 'cancel',
        actor: 'user:default/dev',
        role: 'requester',
        within: (trx, _r) => h.jobs.cancel(trx, id, Date.now()),
      });
      expect(await h.executor().runOnce()).toBe(0);
      expect((await h.request(id)).state).toBe('cancelled');
      expect(simGuests(sim).filter(g => g.requestId === id)).toHaveLength(0);
    });

    const boundaries = PROVISIONING_STEPS.filter(s => s !== 'done');
    it.each(boundaries)(
      'resumes after a crash right after %s, one VM',
      async step => {
        const id = await h.approve({ name: `crash-${step}` });
        const crashing = h.executor({
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
          PROVISIONING_STEPS[PROVISIONING_STEPS.indexOf(step) + 1],
        );

        // a fresh instance takes the job over once the lease expired
        const later = () => Date.now() + TEST_CONFIG.leaseMs + 1;
        expect(await h.executor().runOnce()).toBe(0); // lease still valid
        expect(await h.executor({ clock: later }).runOnce()).toBe(1);

        const request = await h.request(id);
        expect(request.state).toBe('ready');
        const mine = simGuests(sim).filter(g => g.requestId === id);
        expect(mine).toHaveLength(1);
        expect(request.guest?.vmid).toBe(mine[0].vmid);
        expect(mine[0].status).toBe('running');
        expect(mine[0].config.cores).toBe('2');
      },
    );

    it('adopts its clone after a crash between "clone sent" and "UPID stored"', async () => {
      const id = await h.approve({ name: 'crash-in-clone' });
      const pve = h.clusters.get('lab');
      const real = pve.cloneTo.bind(pve);
      const spy = jest
        .spyOn(pve, 'cloneTo')
        .mockImplementationOnce(async (p, o) => {
          await real(p, o); // the clone left…
          const died = new Error('process died before storing the UPID');
          died.name = 'AbortError';
          throw died; // …and the worker died
        });
      try {
        expect(await h.executor().runOnce()).toBe(1);
      } finally {
        spy.mockRestore();
      }
      const job = (await h.jobs.get(id))!;
      expect(job).toMatchObject({
        step: 'clone',
        upid: null,
        status: 'running',
      });
      expect(job.vmid).not.toBeNull();

      const cloneCalls = jest.spyOn(pve, 'cloneTo');
      try {
        await h
          .executor({ clock: () => Date.now() + TEST_CONFIG.leaseMs + 1 })
          .runOnce();
        expect(cloneCalls).not.toHaveBeenCalled(); // adopted, not cloned again
      } finally {
        cloneCalls.mockRestore();
      }
      expect((await h.request(id)).state).toBe('ready');
      const mine = simGuests(sim).filter(g => g.requestId === id);
      expect(mine.map(g => g.vmid)).toEqual([Number(job.vmid)]);
    });

    it('re-sends an ambiguous clone to the same VMID and gets one VM', async () => {
      const id = await h.approve({ name: 'ambiguous-1' });
      const pve = h.clusters.get('lab');
      const real = pve.cloneTo.bind(pve);
      const spy = jest
        .spyOn(pve, 'cloneTo')
        .mockImplementationOnce(async (p, o) => {
          const r = await real(p, o);
          if (r.outcome !== 'dispatched') return r;
          return {
            outcome: 'ambiguous',
            error: new Error('socket hang up') as any,
          };
        });
      const executor = h.executor();
      try {
        executor.start();
        const [request] = await h.waitTerminal([id]);
        expect(request.state).toBe('ready');
      } finally {
        await executor.stop();
        spy.mockRestore();
      }
      expect(simGuests(sim).filter(g => g.requestId === id)).toHaveLength(1);
      expect(Number((await h.jobs.get(id))!.attempts)).toBeLessThanOrEqual(2);
    });
  },
);
