module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  overrides: [
    {
      // jest suites named *.jest.ts: the rule knows only *.test.* as tests, whose clients
      // (cloudflare, dots-wrapper) are rightly devDependencies
      files: ['src/**/*.jest.ts'],
      rules: { '@backstage/no-undeclared-imports': 'off' },
    },
  ],
});
