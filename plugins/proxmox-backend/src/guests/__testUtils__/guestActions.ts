/* Test helpers of the guest action routes: a real backend (real permission
 * backend and MycoPod policy, a real database, the PVE simulator over
 * HTTPS) whose auditor records each event with its outcome, a guest
 * provisioned through the API for team-a, and task polling. */
import { mockServices } from '@backstage/backend-test-utils';
import { startProxmoxStack, type Knex } from '@mycopod/test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import proxmoxPlugin from '../../index';
import { createGuest } from '../../__testUtils__/requests';
import { auth } from '../../__testUtils__/testBackend';

/** One auditor event and how it ended. */
export interface AuditRecord {
  eventId: string;
  meta: Record<string, unknown>;
  outcome?: 'success' | 'fail';
  endMeta?: Record<string, unknown>;
  error?: string;
}

export async function startActionsBackend(options: {
  knex: Knex;
  sim: RunningSimulator;
  proxmox?: Record<string, unknown>;
}) {
  const audit: AuditRecord[] = [];
  const auditor = mockServices.auditor.mock();
  auditor.createEvent.mockImplementation(async (opts: any) => {
    const record: AuditRecord = { eventId: opts.eventId, meta: opts.meta };
    audit.push(record);
    return {
      success: async (o?: any) => {
        record.outcome = 'success';
        record.endMeta = o?.meta;
      },
      fail: async (o: any) => {
        record.outcome = 'fail';
        record.endMeta = o?.meta;
        record.error = String(o?.error?.message ?? o?.error);
      },
    };
  });
  const stack = await startProxmoxStack({
    ...options,
    features: [proxmoxPlugin, auditor.factory],
  });
  return { ...stack, audit };
}

export type ActionsBackend = Awaited<ReturnType<typeof startActionsBackend>>;

/** Polls `check` until it passes (or `timeoutMs` passed). */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

/** Files, approves and waits for a VM owned by team-a; its VMID. */
export async function provisionTeamAGuest(
  server: any,
  name: string,
): Promise<number> {
  return (await createGuest(server, { name })).vmid;
}

/** GET …/tasks/:upid until the task ended; its final state. */
export async function waitTask(
  server: any,
  vmid: number,
  upid: string,
  header = auth.user('dev'),
) {
  return eventually(async () => {
    const r = await request(server)
      .get(`/api/proxmox/guests/lab/${vmid}/tasks/${encodeURIComponent(upid)}`)
      .set('Authorization', header)
      .expect(200);
    expect(r.body.status).not.toBe('running');
    return r.body;
  });
}

/** The simulator's model of a lab guest. */
export function simGuest(sim: RunningSimulator, vmid: number) {
  const g = sim.state.clusters.find(c => c.name === 'lab')!.guests.get(vmid);
  if (!g) throw new Error(`no guest ${vmid} in the simulator`);
  return g;
}
