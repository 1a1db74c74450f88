// @ts-check

/**
 * Lease tracking and drift findings. Times are epoch milliseconds in bigint
 * columns, like the rest of the plugin's tables.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('proxmox_leases', table => {
    table.comment(
      'What the lease scheduler did for each leased guest (warned, expired, decommission filed), and the leases of guests MycoPod did not create (by pool/tag config)',
    );
    table.string('cluster', 255).notNullable();
    table.integer('vmid').notNullable();
    table
      .string('request_id', 36)
      .nullable()
      .comment(
        'The create request of a MycoPod guest; null for a guest leased by pool/tag config',
      );
    table
      .bigInteger('first_seen_at')
      .notNullable()
      .comment('When the scheduler first tracked the guest');
    table
      .bigInteger('ends_at')
      .nullable()
      .comment(
        'Pool/tag leases only: first_seen_at + the configured days (MycoPod guests: proxmox_requests.lease_ends_at)',
      );
    table.bigInteger('warned_at').nullable();
    table
      .bigInteger('warned_ends_at')
      .nullable()
      .comment('The lease end the warning was for (an extension warns anew)');
    table.bigInteger('expired_at').nullable();
    table
      .bigInteger('expired_ends_at')
      .nullable()
      .comment('The lease end the guest was shut down for');
    table.bigInteger('decommission_filed_at').nullable();
    table.string('decommission_request_id', 36).nullable();
    table.bigInteger('updated_at').notNullable();
    table.primary(['cluster', 'vmid']);
    table.index(['request_id'], 'proxmox_leases_request_idx');
  });

  await knex.schema.createTable('proxmox_guest_drift', table => {
    table.comment(
      'The last drift check of each MycoPod guest: declared spec vs live config',
    );
    table.string('cluster', 255).notNullable();
    table.integer('vmid').notNullable();
    table.string('request_id', 36).notNullable().comment('the create request');
    table
      .text('findings')
      .notNullable()
      .comment('JSON array of DriftFinding; [] = no drift');
    table.bigInteger('checked_at').notNullable();
    table.primary(['cluster', 'vmid']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('proxmox_guest_drift');
  await knex.schema.dropTable('proxmox_leases');
};
