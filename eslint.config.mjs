// Layer rules: shared imports nothing; core never sees vscode or the DOM;
// webview only sees shared; worker sees core+shared; extension sees everything but webview;
// the benchmark (src/bench) and the build-time converter (tools/) drive core and nothing outer.
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'Only src/extension may import vscode.' };
const layer = (files, patterns, paths = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns, paths }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'models/**', 'out/**', 'artifacts/**', 'scratch/**', 'demo-out/**', 'bench-out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Type-aware rules: each file is checked with the tsconfig.json of its runtime (root: Node
    // without the DOM; src/extension, webview and test have their own).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test collects the promises its test functions return.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  layer(['src/shared/**/*.ts'], [
    { regex: '^(?!\\.{1,2}/)', message: 'src/shared imports no packages.' },
    { group: ['../*', '!../shared/*'], message: 'src/shared imports nothing outside itself.' },
  ], [noVscode]),
  layer(['src/core/**/*.ts'], [
    { group: ['**/extension/**', '**/worker/**', '**/webview/**', '**/cli/**', '**/bench/**', '**/tools/**'], message: 'src/core must not depend on outer layers, the benchmark or build-time tools.' },
  ], [noVscode]),
  layer(['src/bench/**/*.ts'], [
    { group: ['**/extension/**', '**/worker/**', '**/webview/**', '**/cli/**'], message: 'The benchmark drives core only.' },
  ], [noVscode]),
  layer(['tools/**/*.ts'], [
    { group: ['**/extension/**', '**/worker/**', '**/webview/**', '**/cli/**', '**/bench/**'], message: 'Build-time tools drive core only.' },
  ], [noVscode]),
  layer(['src/worker/**/*.ts'], [
    { group: ['**/extension/**', '**/webview/**', '**/cli/**'], message: 'src/worker runs core only.' },
  ], [noVscode]),
  layer(['src/cli/**/*.ts'], [
    { group: ['**/extension/**', '**/webview/**'], message: 'The CLI drives core, not the extension.' },
  ], [noVscode]),
  layer(['webview/**/*.ts'], [
    { group: ['**/src/core/**', '**/src/extension/**', '**/src/worker/**', 'node:*', 'fs', 'path', 'onnxruntime-node'], message: 'The webview imports only src/shared.' },
  ], [noVscode]),
  {
    // The engine runs in Node (CLI, worker): no DOM.
    files: ['src/core/**/*.ts', 'src/worker/**/*.ts', 'src/shared/**/*.ts', 'src/bench/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'HTMLElement', 'HTMLCanvasElement', 'requestAnimationFrame', 'localStorage'] },
  },
  layer(['src/extension/**/*.ts'], [
    { group: ['**/webview/**'], message: 'The host talks to the webview through messages only.' },
  ]),
);
