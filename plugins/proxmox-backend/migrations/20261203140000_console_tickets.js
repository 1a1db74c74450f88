// @ts-check

/**
 * One-time console tickets (src/console): `POST /guests/:cluster/:vmid/console`
 * stores one, the console WebSocket consumes it (deletes the row; whichever
 * backend replica the socket reaches). Only the SHA-256 of the ticket is
 * kept. Rows live seconds; expired ones are swept when tickets are issued.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('proxmox_console_tickets', table => {
    table.comment('One-time tickets of in-browser console sessions');
    table
      .string('ticket_hash', 64)
      .primary()
      .comment('hex SHA-256 of the ticket');
    table.string('user_ref', 255).notNullable().comment('user entity ref');
    table.string('cluster', 255).notNullable();
    table.integer('vmid').notNullable();
    table.string('node', 255).notNullable();
    table.string('guest_type', 8).notNullable().comment('qemu | lxc');
    table.string('guest_name', 255).nullable();
    table.bigInteger('created_at').notNullable().comment('epoch ms');
    table.bigInteger('expires_at').notNullable().comment('epoch ms');
    table.index(['expires_at'], 'proxmox_console_tickets_expiry_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('proxmox_console_tickets');
};
