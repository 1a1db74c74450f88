// @ts-check

/**
 * Day-2 requests (resize, decommission, extend-lease, reconcile) and leases.
 *
 * - `target_request_id`: a day-2 request's target, the create request of the
 *   guest it changes (`guest_vmid`/`guest_node` name the guest itself).
 * - `change`: JSON `{ before, after, rebootRequired? }` for the UI's diff.
 * - `lease_ends_at`: on create requests, when the guest's lease ends (epoch
 *   ms): set when the request becomes ready (ready time + `spec.leaseDays`),
 *   moved by extend-lease requests. Rows that are already past `ready` are
 *   backfilled from their first transition to `ready`.
 *
 * A day-2 request's resource columns hold the DELTA it asks for (new − old)
 * while it is pending, approved or provisioning; on success the create
 * request takes the new size and the delta is zeroed in one transaction.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('proxmox_requests', table => {
    table
      .string('target_request_id', 36)
      .nullable()
      .comment('day-2 kinds: the create request of the guest');
    table
      .text('change')
      .nullable()
      .comment('day-2 kinds: JSON { before, after, rebootRequired? }');
    table
      .bigInteger('lease_ends_at')
      .nullable()
      .comment('create requests: when the lease of the guest ends (epoch ms)');
    table.index(['target_request_id', 'state'], 'proxmox_requests_target_idx');
    table.index(['cluster', 'guest_vmid'], 'proxmox_requests_guest_idx');
  });

  const DAY_MS = 24 * 60 * 60 * 1000;
  const ready = knex('proxmox_request_events')
    .where('to_state', 'ready')
    .groupBy('request_id')
    .select('request_id')
    .min({ ready_at: 'created_at' })
    .as('ready');
  /** @type {Array<{ id: string, spec: string, ready_at: number | string }>} */
  const rows = await knex('proxmox_requests as r')
    .join(ready, 'ready.request_id', 'r.id')
    .where('r.kind', 'create')
    .select('r.id', 'r.spec', 'ready.ready_at');
  for (const row of rows) {
    let leaseDays;
    try {
      leaseDays = JSON.parse(row.spec).leaseDays;
    } catch {
      continue;
    }
    if (typeof leaseDays !== 'number') continue;
    await knex('proxmox_requests')
      .where({ id: row.id })
      .update({ lease_ends_at: Number(row.ready_at) + leaseDays * DAY_MS });
  }
};

/**
 * Plain `DROP INDEX` / `DROP COLUMN` on both databases: knex would rebuild
 * the SQLite table to drop a column, and dropping the old table would
 * cascade to the request history.
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  for (const index of [
    'proxmox_requests_guest_idx',
    'proxmox_requests_target_idx',
  ]) {
    await knex.raw('drop index ??', [index]);
  }
  for (const column of ['lease_ends_at', 'change', 'target_request_id']) {
    await knex.raw('alter table ?? drop column ??', [
      'proxmox_requests',
      column,
    ]);
  }
};
