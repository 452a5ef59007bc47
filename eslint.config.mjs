// Lint: type-aware, so that an un-awaited promise (a silent lost error) fails CI.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.bench/**', '.test-output/**', 'demo-workspace/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Subcommands and the server are loaded lazily with require() so a command pays only for itself.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // A list spread into a call becomes one argument per item: past ~100k items (a log of dangling
    // refs, a million artifacts) that is RangeError: Maximum call stack size exceeded.
    files: ['shared/**/*.ts', 'server/**/*.ts', 'client/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'CallExpression[callee.property.name=/^(push|unshift|splice|max|min|fromCharCode|apply)$/] > SpreadElement', message: 'Do not spread a list into push/max/min (stack overflow on large inputs): loop, reduce, or concat.' }],
    },
  },
);
