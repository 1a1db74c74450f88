// @ts-check

/**
 * IP pool allocations: one row per address a request holds. The primary key
 * (pool, address) makes an address taken once across every backend replica;
 * a taker inserts with ON CONFLICT DO NOTHING and tries the next address when
 * no row came back (SQLite and PostgreSQL alike).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('proxmox_ip_allocations', table => {
    table.comment(
      'IPv4 addresses of the IP pools (proxmox.ipPools) held by requests',
    );
    table.string('pool', 63).notNullable().comment('proxmox.ipPools[].name');
    table.string('address', 15).notNullable().comment('dotted quad, no prefix');
    table
      .string('request_id', 36)
      .notNullable()
      .references('id')
      .inTable('proxmox_requests')
      .onDelete('CASCADE')
      .comment('the create request that holds it');
    table.string('cluster', 255).notNullable();
    table.integer('vmid').nullable().comment('the guest, once it exists');
    table.bigInteger('allocated_at').notNullable().comment('epoch ms');
    table.primary(['pool', 'address']);
    table.index(['request_id'], 'proxmox_ip_allocations_request_idx');
    table.index(['cluster', 'vmid'], 'proxmox_ip_allocations_guest_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('proxmox_ip_allocations');
};
