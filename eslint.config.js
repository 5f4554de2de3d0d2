import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.pb.ts', 'src/**/pb/**', 'release/**', 'benchmarks/**/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'eqeqeq': ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error'
    }
  },
  {
    files: ['node/**/*.ts', 'test/**/*.ts', 'benchmarks/**/*.ts', 'bootstrap/**/*.ts'],
    rules: { 'no-console': 'off' }
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'the library never exits the process' }] }
  }
)
