// @ts-check

/**
 * The DigitalOcean region of an environment's cluster, for the catalog's region label. Null for
 * environments recorded before it.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('voting_environments', table => {
    table.string('region', 16).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('voting_environments', table => {
    table.dropColumn('region');
  });
};
