// Lint: typescript-eslint's recommended checks plus each layer's import rules (STYLE.md,
// "architecture as a test"). Formatting is prettier's job (`npm run format`), so no style rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What src/core may never import: it stays pure (no I/O, no Discord, no storage, no logging). */
const coreForbidden = [
  { group: ['node:fs', 'node:fs/*', 'fs', 'fs/*'], message: 'src/core does no file I/O: take bytes or a reader.' },
  { group: ['discord.js', '@discordjs/*'], message: 'src/core knows nothing of Discord.' },
  { group: ['better-sqlite3', 'pg'], message: 'src/core knows nothing of storage.' },
  { group: ['pino'], message: 'src/core returns what happened; callers log it.' },
  { group: ['**/store/*', '**/store'], message: 'src/core knows nothing of the store.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.bench-build/**', 'scratch/**', 'data/**', 'backups/**'] },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Sanitisers match control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: coreForbidden }] } },
  {
    files: ['src/discord/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['better-sqlite3', 'pg'], message: 'The Discord adapter reaches storage through the Store.' },
          ],
        },
      ],
    },
  },
);
