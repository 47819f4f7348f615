#!/usr/bin/env node
'use strict';
// Tiny shim: the CLI itself is bundled by `npm run build` into dist/cli.js.
require('../dist/cli.js');
