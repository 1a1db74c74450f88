// @ts-check

/**
 * Plans drafted by the LLM from a developer's words. A plan's requests are
 * rows of `proxmox_requests` with its id in `plan_id` (state `draft` until
 * the developer submits them); this table keeps what belongs to the plan
 * itself: the original text (for audit), the model's rationale and
 * assumptions, the order of its operations and the operations that are not
 * requests (immediate power/snapshot actions, and proposals that could not
 * be understood, with their findings).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('proxmox_plans', table => {
    table.comment('LLM-drafted plans: a developer text and its operations');
    table.string('id', 36).primary().comment('uuid; plan_id of its requests');
    table.string('requester', 255).notNullable().comment('user entity ref');
    table
      .string('state', 16)
      .notNullable()
      .comment('draft | submitted | discarded');
    table.text('text').notNullable().comment('the developer text, as typed');
    table.text('rationale').notNullable();
    table.text('assumptions').notNullable().comment('JSON array of strings');
    table
      .text('operations')
      .notNullable()
      .comment(
        'JSON array in plan order: request operations by id, actions and invalid proposals in full',
      );
    table
      .text('findings')
      .notNullable()
      .comment('JSON array of findings about the plan as a whole');
    table.string('provider', 32).notNullable();
    table.string('model', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['requester', 'created_at'], 'proxmox_plans_requester_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('proxmox_plans');
};
