import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WORKER_METHODS, WORKER_PROTOCOL_VERSION, type WorkerMethods } from '../../src/shared/workerProtocol';
import type { HandlersFor } from '../../src/worker/rpcServer';
import { engineHandlers } from '../../src/worker/engineHandlers';

test('the engine serves every worker method, and ping reports the protocol version', async () => {
  assert.deepEqual(Object.keys(engineHandlers).sort(), [...WORKER_METHODS].sort());
  const pong = await engineHandlers.ping({}, undefined as never);
  assert.equal(pong.protocolVersion, WORKER_PROTOCOL_VERSION);
});

test('a handler map without one of the methods does not typecheck', () => {
  const withoutRelease: Omit<HandlersFor<WorkerMethods>, 'release'> = Object.fromEntries(Object.entries(engineHandlers).filter(([m]) => m !== 'release')) as never;
  // @ts-expect-error `release` is missing: npm run typecheck fails on an incomplete map.
  const incomplete: HandlersFor<WorkerMethods> = withoutRelease;
  assert.equal(incomplete.release, undefined);
});
