// @ts-check

/**
 * MycoPod requests, their history, provisioning jobs and VMID reservations.
 * Times are epoch milliseconds in bigint columns: the same on SQLite and
 * PostgreSQL, and exact for cursors.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('proxmox_requests', table => {
    table.comment('VM requests: one row per request, any kind');
    table.string('id', 36).primary().comment('uuid');
    table
      .string('kind', 32)
      .notNullable()
      .comment('create | resize | decommission | extend-lease | reconcile');
    table.string('state', 32).notNullable();
    table.string('requester', 255).notNullable().comment('user entity ref');
    table.string('owner', 255).notNullable().comment('group entity ref');
    table.string('cluster', 255).notNullable();
    table.text('spec').notNullable().comment('JSON');
    table
      .text('findings')
      .notNullable()
      .comment('JSON array of policy findings');
    // Resources, copied from the spec so quotas are summed in SQL.
    table.integer('cores').notNullable().defaultTo(0);
    table.integer('memory_mib').notNullable().defaultTo(0);
    table.integer('disk_gib').notNullable().defaultTo(0);
    table.string('plan_id', 36).nullable();
    table.string('guest_node', 255).nullable();
    table.integer('guest_vmid').nullable();
    table.text('failure_reason').nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['created_at', 'id'], 'proxmox_requests_created_idx');
    table.index(['requester', 'created_at'], 'proxmox_requests_requester_idx');
    table.index(['owner', 'created_at'], 'proxmox_requests_owner_idx');
    table.index(['state', 'created_at'], 'proxmox_requests_state_idx');
    table.index(['owner', 'state'], 'proxmox_requests_quota_idx');
    table.index(['plan_id'], 'proxmox_requests_plan_idx');
  });

  await knex.schema.createTable('proxmox_request_events', table => {
    table.comment(
      'History of every request: who moved it from which state to which',
    );
    table.bigIncrements('id').primary();
    table
      .string('request_id', 36)
      .notNullable()
      .references('id')
      .inTable('proxmox_requests')
      .onDelete('CASCADE');
    table.string('actor', 255).notNullable().comment('entity ref, or "system"');
    table.string('event', 32).notNullable();
    table.string('from_state', 32).nullable();
    table.string('to_state', 32).notNullable();
    table.text('comment').nullable();
    table.bigInteger('created_at').notNullable();
    table.index(['request_id', 'id'], 'proxmox_request_events_request_idx');
  });

  await knex.schema.createTable('proxmox_jobs', table => {
    table.comment(
      'Provisioning jobs: written with the approval, claimed by workers with a lease',
    );
    table
      .string('request_id', 36)
      .primary()
      .references('id')
      .inTable('proxmox_requests')
      .onDelete('CASCADE');
    table.string('kind', 32).notNullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('queued | running | succeeded | failed | cancelled');
    table.string('cluster', 255).notNullable();
    table.string('step', 32).notNullable();
    table
      .text('step_results')
      .notNullable()
      .comment('JSON: step -> stored result');
    table.string('node', 255).nullable();
    table.integer('vmid').nullable();
    table.string('upid', 512).nullable();
    table.string('lease_owner', 255).nullable();
    table.bigInteger('lease_expires_at').nullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.bigInteger('next_attempt_at').notNullable();
    table.text('last_error').nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['status', 'next_attempt_at'], 'proxmox_jobs_queue_idx');
    table.index(['status', 'lease_expires_at'], 'proxmox_jobs_lease_idx');
  });

  await knex.schema.createTable('proxmox_vmid_reservations', table => {
    table.comment('VMIDs reserved per cluster: Proxmox itself reserves none');
    table.string('cluster', 255).notNullable();
    table.integer('vmid').notNullable();
    table.string('request_id', 36).notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['cluster', 'vmid']);
    table.index(['request_id'], 'proxmox_vmid_reservations_request_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('proxmox_vmid_reservations');
  await knex.schema.dropTable('proxmox_jobs');
  await knex.schema.dropTable('proxmox_request_events');
  await knex.schema.dropTable('proxmox_requests');
};
