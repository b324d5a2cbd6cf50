// Not a Backstage package (no backstage.role), but linted by the same rules as the plugins'
// Node libraries, so `backstage-cli repo lint` covers it through its lint script.
module.exports =
  require('@backstage/cli/config/eslint-factory').createConfigForRole(
    __dirname,
    'node-library',
  );
