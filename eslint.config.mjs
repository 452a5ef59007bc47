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
    // Custom LSP messages are `namespace X { method; type }` (vscode-eslint's customMessages shape).
    files: ['shared/protocol.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
);
