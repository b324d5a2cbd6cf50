// Not a workspace: linted by the test command's lint step with the Node library rules. Its
// imports are the root package's devDependencies, which the import rule cannot see from here.
module.exports =
  require('@backstage/cli/config/eslint-factory').createConfigForRole(
    __dirname,
    'node-library',
    {
      rules: {
        '@backstage/no-undeclared-imports': 'off',
        // the tests assert with node:assert
        'jest/expect-expect': [
          'warn',
          { assertFunctionNames: ['expect', 'assert', 'assert.*'] },
        ],
      },
    },
  );
