#!/usr/bin/env node
'use strict';
// Tiny shim: the CLI itself is bundled by `npm run build` into dist/cli.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/cli.js');
