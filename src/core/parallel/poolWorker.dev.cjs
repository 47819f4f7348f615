/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS shim is the point of this file */
// Running from sources (tests, `tsx` scripts): load the TypeScript worker through tsx.
require('tsx/cjs');
require('./poolWorker.ts');
