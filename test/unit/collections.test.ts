import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupBy } from '../../src/core/collections';

test('groupBy keeps input order within groups and first-appearance order across them', () => {
  const views = ['b#0', 'a#0', 'b#1', 'c#0', 'a#1'];
  const groups = groupBy(views, (v) => v.split('#')[0]);
  assert.deepEqual([...groups.keys()], ['b', 'a', 'c']);
  assert.deepEqual(groups.get('b'), ['b#0', 'b#1']);
  assert.deepEqual(groups.get('a'), ['a#0', 'a#1']);
  const bySource = groupBy(['x', 'y', 'z'], (_, i) => [7, 3, 7][i]);
  assert.deepEqual([...bySource.entries()], [[7, ['x', 'z']], [3, ['y']]]);
});
