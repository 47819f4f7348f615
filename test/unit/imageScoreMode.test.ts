import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEW_SHOT_VIEWS, IMAGE_SCORE_MODES, imageScoreMethod, parseFewShotViews, parseImageScoreMode, scoringMethod } from '../../src/extension/imageScoreMode';
import { forTrainingSet, resolveMethod } from '../../src/core/method/options';

const resolved = (mode: (typeof IMAGE_SCORE_MODES)[number], images: number) => resolveMethod(forTrainingSet(imageScoreMethod(mode).method ?? {}, images));

test('auto keeps the engine defaults: the top 2 % mean alone at every training-set size', () => {
  assert.equal(resolved('auto', 4).mapMeanWeight, 0);
  assert.equal(resolved('auto', 50).mapMeanWeight, 0);
  assert.equal(resolved('auto', 50).topFraction, 0.02);
});

test('local is the top 2 % mean only, at every training-set size', () => {
  const o = resolved('local', 50);
  assert.equal(o.mapMeanWeight, 0);
  assert.equal(o.topFraction, 0.02);
});

test('wholeImage reads the mean of the whole map and adds no second copy of it', () => {
  const o = resolved('wholeImage', 50);
  assert.equal(o.topFraction, 1);
  assert.equal(o.mapMeanWeight, 0);
});

test('unknown or missing setting values fall back to auto', () => {
  assert.equal(parseImageScoreMode('wholeImage'), 'wholeImage');
  assert.equal(parseImageScoreMode('WHOLE'), 'auto');
  assert.equal(parseImageScoreMode(undefined), 'auto');
});

test('package.json declares exactly the modes the extension understands, defaulting to auto', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  const decl = pkg.contributes.configuration.properties['anomalyLens.imageScore'];
  assert.deepEqual(decl.enum, [...IMAGE_SCORE_MODES]);
  assert.equal(decl.default, 'auto');
  const views = pkg.contributes.configuration.properties['anomalyLens.fewShotViews'];
  assert.deepEqual(views.enum, [...FEW_SHOT_VIEWS]);
  assert.equal(views.default, 'auto');
});

test('fewShotViews: auto lets a few-shot model score 6 views, single scores the image alone, and neither changes a 50-image model', () => {
  const views = (mode: 'auto' | 'single', images: number, score: (typeof IMAGE_SCORE_MODES)[number] = 'auto') =>
    resolveMethod(forTrainingSet(scoringMethod(score, mode).method ?? {}, images));
  assert.equal(views('auto', 4).testViews, 6);
  assert.equal(views('single', 4).testViews, 1);
  assert.equal(views('auto', 50).testViews, 1);
  assert.equal(views('single', 50).testViews, 1);
  assert.equal(views('single', 4, 'wholeImage').topFraction, 1, 'both settings apply together');
  assert.deepEqual(scoringMethod('auto', 'auto'), {}, 'the defaults add nothing');
  assert.equal(parseFewShotViews('single'), 'single');
  assert.equal(parseFewShotViews(6), 'auto');
});
