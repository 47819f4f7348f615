/**
 * Worker thread entry (bundled to dist/worker.js). Runs the engine off the extension host
 * thread; the host starts it on first need and talks to it through src/shared/workerProtocol.
 */
import { parentPort } from 'node:worker_threads';
import { serve } from './rpcServer';
import { engineHandlers, transferOf } from './engineHandlers';

if (!parentPort) throw new Error('dist/worker.js must run as a worker thread');
serve(parentPort, engineHandlers, { transferOf });
