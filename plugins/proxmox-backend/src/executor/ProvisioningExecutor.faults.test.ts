/*
 * The executor under failures, races and takeovers, on PostgreSQL 15 and
 * SQLite with the real PVE simulator: permanent failures end `failed` with a
 * reason and the task log and leave no guest behind; two executors racing
 * for the same jobs and injected API/task faults never yield a second VM or
 * an orphan guest; an expired or lost lease moves the job to another worker.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import {
  Harness,
  TEST_CONFIG,
  simGuests,
  startSim,
} from './__testUtils__/harness';

jest.setTimeout(300_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe.each(databases.eachSupportedId())(
  'ProvisioningExecutor faults on %p',
  databaseId => {
    let sim: RunningSimulator;
    let h: Harness;

    beforeAll(async () => {
      sim = await startSim(9);
      h = await Harness.create(await databases.init(databaseId), sim);
    });

    afterEach(() => sim.setFaults(undefined));

    afterAll(async () => {
      await h?.close();
      await sim?.stop();
    });

    /** Every marked guest belongs to a ready request, and each ready request has exactly its one. */
    async function expectExactlyOnce(ids: string[]) {
      const marked = simGuests(sim).filter(
        g => g.requestId && ids.includes(g.requestId),
      );
      const all = await Promise.all(ids.map(id => h.request(id)));
      for (const r of all) {
        const mine = marked.filter(g => g.requestId === r.id);
        if (r.state === 'ready') {
          expect(mine.map(g => g.vmid)).toEqual([r.guest?.vmid]);
          expect(mine[0].config.lock).toBeUndefined();
        } else {
          expect(r.state).toBe('failed');
          expect(r.failureReason).toBeTruthy();
          expect(mine).toEqual([]); // no orphan
          expect(await h.jobs.reservedVmids('lab', r.id)).toEqual([]);
        }
      }
      return all;
    }

    it('fails a permanent error with the reason and task log, removing the partial VM', async () => {
      const id = await h.approve({ name: 'too-big', diskGiB: 5000 });
      await h.executor().runOnce();
      const r = await h.request(id);
      expect(r.state).toBe('failed');
      expect(r.failureReason).toMatch(
        /^Provisioning failed at step resize-disk: task failed: .*insufficient free space/i,
      );
      expect(r.failureReason).toMatch(/The partial VM \d+ was removed\./);
      expect(r.failureReason).toContain('Proxmox task log:');
      const progress = await h.jobs.progress(id);
      expect(progress?.taskLogTail?.length).toBeGreaterThan(0);
      expect(progress?.completed).toEqual([
        'allocate-vmid',
        'clone',
        'wait-clone',
        'configure',
      ]);
      expect((await h.jobs.get(id))!.status).toBe('failed');
      expect(simGuests(sim).filter(g => g.requestId === id)).toEqual([]);
      expect(await h.jobs.reservedVmids('lab', id)).toEqual([]);
      expect(h.audits).toContainEqual(
        expect.objectContaining({
          eventId: 'provisioning',
          outcome: 'fail',
          meta: expect.objectContaining({ requestId: id }),
        }),
      );
      expect(r.failureReason).not.toContain(sim.token.secret);
    });

    it('fails an unknown template before reserving anything', async () => {
      const id = await h.approve({
        name: 'no-template',
        template: 'no-such-template',
      });
      await h.executor().runOnce();
      const r = await h.request(id);
      expect(r.state).toBe('failed');
      expect(r.failureReason).toContain(
        'Template no-such-template does not exist in cluster lab',
      );
      expect(await h.jobs.reservedVmids('lab', id)).toEqual([]);
    });

    it('two executors racing for 10 jobs provision each exactly once', async () => {
      const ids = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          h.approve({ name: `race-${i}`, template: i % 2 ? 9001 : 9000 }),
        ),
      );
      const a = h.executor();
      const b = h.executor();
      a.start();
      b.start();
      try {
        const all = await h.waitTerminal(ids);
        expect(all.map(r => r.state)).toEqual(ids.map(() => 'ready'));
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
      await expectExactlyOnce(ids);
      const vmids = (await Promise.all(ids.map(id => h.request(id)))).map(
        r => r.guest?.vmid,
      );
      expect(new Set(vmids).size).toBe(10);
      for (const id of ids) {
        const events = (await h.requests.history(id)).map(e => e.toState);
        expect(events.filter(s => s === 'provisioning')).toHaveLength(1);
        expect(events.filter(s => s === 'ready')).toHaveLength(1);
      }
    });

    it('under API faults (incl. after-apply) and task failures: all terminal, 0 duplicates, 0 orphans', async () => {
      sim.setFaults({
        seed: 4242,
        routes: [
          {
            rate: 0.1,
            kinds: [
              '500',
              '502',
              '503',
              '595',
              'reset',
              'reset-after',
              '5xx-after',
              'stall',
            ],
            stallMs: 1000,
          },
        ],
        taskFailureRate: 0.05,
        taskVisibilityLagMs: 200,
      });
      const ids: string[] = [];
      for (let i = 0; i < 16; i++)
        ids.push(await h.approve({ name: `fault-${i}` }));
      const a = h.executor();
      const b = h.executor();
      a.start();
      b.start();
      let all;
      try {
        all = await h.waitTerminal(ids, 240_000);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        sim.setFaults(undefined);
      }
      for (const r of await Promise.all(ids.map(id => h.request(id)))) {
        if (r.state !== 'ready') {
          // eslint-disable-next-line no-console
          console.log(
            `${r.id} failed: ${r.failureReason}\n${h.logs
              .filter(l => l.includes(r.id))
              .join('\n')}`,
          );
        }
      }
      all = await expectExactlyOnce(ids);
      const ready = all.filter(r => r.state === 'ready').length;
      // eslint-disable-next-line no-console
      console.log(
        `faults on ${databaseId}: ${ready}/${ids.length} ready, ${
          ids.length - ready
        } failed cleanly`,
      );
      expect(ready).toBeGreaterThanOrEqual(12);
    });

    it('flags a partial VM it cannot remove (the clone worker died, the lock stays)', async () => {
      sim.setFaults({
        taskFailureRate: 1,
        taskFailureTypes: ['qmclone'],
        taskFailureModes: { qmclone: ['worker-died'] },
      });
      const id = await h.approve({ name: 'worker-died' });
      await h
        .executor({
          config: {
            stepTimeouts: { ...TEST_CONFIG.stepTimeouts, taskMs: 1000 },
          },
        })
        .runOnce();
      sim.setFaults(undefined);
      const r = await h.request(id);
      expect(r.state).toBe('failed');
      expect(r.failureReason).toMatch(
        /^Provisioning failed at step wait-clone: task failed/,
      );
      expect(r.failureReason).toMatch(
        /The partial VM \d+ on node \S+ could not be removed \(.*\); it is kept and must be removed by hand\./,
      );
      const mine = simGuests(sim).filter(g => g.requestId === id);
      expect(mine).toHaveLength(1);
      expect(mine[0].config.lock).toBe('clone');
      expect(r.guest).toEqual({
        cluster: 'lab',
        node: mine[0].node,
        vmid: mine[0].vmid,
      });
      expect(await h.jobs.reservedVmids('lab', id)).toEqual([mine[0].vmid]);
    });

    it('takes over a job whose worker died once its lease expired (real time)', async () => {
      const id = await h.approve({ name: 'takeover-1' });
      const dead = h.executor({
        hooks: {
          afterStep: async (_id, s) => {
            if (s === 'start') throw new Error('killed');
          },
        },
      });
      await dead.runOnce();
      const other = h.executor();
      expect(await other.runOnce()).toBe(0);
      await sleep(TEST_CONFIG.leaseMs + 100);
      expect(await other.runOnce()).toBe(1);
      await h.expectReady(id);
      expect(simGuests(sim).filter(g => g.requestId === id)).toHaveLength(1);
      expect(Number((await h.jobs.get(id))!.attempts)).toBeLessThanOrEqual(2);
    });

    it('a worker that lost its lease stops and never writes again', async () => {
      const id = await h.approve({ name: 'lease-lost-1' });
      let release!: () => void;
      const blocked = new Promise<void>(r => {
        release = r;
      });
      let reached!: () => void;
      const atConfigure = new Promise<void>(r => {
        reached = r;
      });
      const slow = h.executor({
        hooks: {
          afterStep: async (_id, s) => {
            if (s === 'configure') {
              reached();
              await blocked; // a long GC pause, a frozen VM…
            }
          },
        },
      });
      const slowRun = slow.runOnce();
      await Promise.race([
        atConfigure,
        slowRun.then(() => {
          throw new Error(
            `the slow worker ended before configure: ${h.logs
              .filter(l => l.includes(id))
              .join('\n')}`,
          );
        }),
      ]);
      // another replica whose clock is ahead sees the lease expired
      const other = h.executor({
        clock: () => Date.now() + 3 * TEST_CONFIG.leaseMs,
      });
      expect(await other.runOnce()).toBe(1);
      await h.expectReady(id);
      await sleep(TEST_CONFIG.leaseMs / 2); // the slow worker's heartbeat notices
      release();
      await slowRun;
      expect(h.logs.join('\n')).toContain(
        `The lease of the job of request ${id} was lost`,
      );
      expect((await h.jobs.get(id))!.status).toBe('succeeded');
      expect(simGuests(sim).filter(g => g.requestId === id)).toHaveLength(1);
    });

    it('stop() leaves running jobs for another worker, which resumes them', async () => {
      const id = await h.approve({ name: 'stopped-1' });
      const first = h.executor();
      first.start();
      for (let i = 0; i < 200; i++) {
        const job = await h.jobs.get(id);
        if (
          job &&
          ['wait-clone', 'configure', 'resize-disk'].includes(job.step)
        )
          break;
        await sleep(10);
      }
      await first.stop();
      const job = (await h.jobs.get(id))!;
      expect(job.status).toBe('running');
      expect((await h.request(id)).state).toBe('provisioning');
      await h
        .executor({ clock: () => Date.now() + TEST_CONFIG.leaseMs + 1 })
        .runOnce();
      await h.expectReady(id);
      expect(simGuests(sim).filter(g => g.requestId === id)).toHaveLength(1);
    });
  },
);
