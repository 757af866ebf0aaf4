// Unit tests of the pure modules (src/format.ts, src/urls.ts): `jlpm test`.
// They import no JupyterLab runtime code, so ts-jest runs them without the ESM
// transforms the extension template configures for @jupyterlab packages.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testRegex: 'src/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  }
};
