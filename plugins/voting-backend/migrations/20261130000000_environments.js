// @ts-check

/**
 * The environments the create template registers. Times are ISO 8601 strings: they sort as
 * text and read back the same on SQLite and PostgreSQL.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('voting_environments', table => {
    table.string('name', 63).primary().notNullable();
    table.string('owner', 255).notNullable();
    table.string('cluster_id', 64).notNullable();
    table.string('database_id', 64).notNullable();
    table.string('vpc_id', 64).notNullable();
    table.string('domain', 253).notNullable();
    table.text('vote_url').notNullable();
    table.text('result_url').notNullable();
    table.text('grafana_url').nullable();
    table.string('created_at', 32).notNullable();
    table.string('updated_at', 32).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('voting_environments');
};
