import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The engine is reached only through its public API (and its pure rules module, which the forms share). */
const PUBLIC_ENGINE_MODULE = '(?!index\\.ts$|rules\\.ts$|acl/rules\\.ts$|test-support\\.ts$)';
const ENGINE_MESSAGE = 'Import the engine through server/broker/index.ts (or its pure rules modules, server/broker/rules.ts and acl/rules.ts); its internals are private.';

/** Import paths that reach into server/broker/, as written from a file in `from` (the rule sees the text). */
function engineInternals(relativePrefix) {
  const paths = [`server/broker/${PUBLIC_ENGINE_MODULE}`];
  if (relativePrefix) paths.push(`^${relativePrefix.replace(/\./g, '\\.')}broker/${PUBLIC_ENGINE_MODULE}`);
  return { 'no-restricted-imports': ['error', { patterns: paths.map((regex) => ({ regex, message: ENGINE_MESSAGE })) }] };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.next/**', '.next-*/**', 'coverage/**', 'scratch/**', 'server/generated/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['broker/**/*.ts', 'scripts/**/*.ts', 'e2e/**/*.ts', 'instrumentation.ts'], rules: engineInternals('') },
  { files: ['server/*.ts'], rules: engineInternals('./') },
  { files: ['server/*/**/*.ts'], ignores: ['server/broker/**'], rules: engineInternals('../') },
  {
    // Pages run in the browser: only the engine's pure rules, never the engine itself.
    files: ['app/**/*.ts', 'app/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: 'server/broker/(?!rules\\.ts$|acl/rules\\.ts$)', message: 'Pages import only server/broker/rules.ts and server/broker/acl/rules.ts from the engine (and call the server through tRPC).' }] },
      ],
    },
  },
);
