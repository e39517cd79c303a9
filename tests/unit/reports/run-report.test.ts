/**
 * `tessella report run` on two short head-mode runs (a ResNet and a ViT on the lung patches): the
 * hyper-parameters, per-class metrics and a comparison table naming both runs are in the text, the
 * curves are drawn, and a slide scored by a model trained here shows that run in its model card.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classColor } from '../../../src/main/analysis/colormap';
import { tessella } from '../../helpers/cli';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { lung, lungCopy, oneJson, resnetTiny, vitTiny } from '../train/fixtures';
import { countPixels, near, pageWith, pdfFonts, pdfInfo, pdfText, renderPage } from './poppler';
import { has, needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const home = tempHome('tessella-report-run-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: join(home.dir, 'home') };

describe('tessella report run', { ...needs(lung, resnetTiny, vitTiny, has.chromium, has.poppler), timeout: 240_000 }, () => {
  const runs: { runId: number; out: string; name: string }[] = [];

  beforeAll(() => {
    const data = lungCopy(home.dir);
    for (const [name, init] of [
      ['ResNet-50 baseline (tiny)', resnetTiny!],
      ['ViT (tiny)', vitTiny!],
    ] as const) {
      const out = join(home.dir, `model-${runs.length}`);
      const r = tessella(['train', '--data', data.dir, '--init', init, '--mode', 'head', '--epochs', '3', '--batch-size', '16', '--lr', '0.01', '--name', name, '--out', out, '--json'], env, 300_000);
      expect(r.code, r.stderr).toBe(0);
      runs.push({ runId: oneJson(r.stdout).runId, out, name });
    }
  }, 600_000);

  it('reports both runs with a comparison section, hyper-parameters and per-class metrics', async () => {
    const pdf = join(home.dir, 'runs.pdf');
    const csv = join(home.dir, 'runs.csv');
    const r = tessella(['report', 'run', String(runs[0]!.runId), String(runs[1]!.runId), '--out', pdf, '--csv', csv, '--json'], env, 200_000);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({ kind: 'run', status: 'completed', runIds: runs.map((x) => x.runId), pdfPath: pdf, csvPath: csv });

    const text = pdfText(pdf);
    const { pages } = pdfInfo(pdf);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text).toMatch(/for research use/i);
    for (const h of ['Hyper-parameters', 'Learning rate', 'Optimizer', 'AdamW', 'Per-class metrics', 'Precision', 'Recall', 'Confusion matrix', 'Training curves', 'Dataset']) expect(text).toContain(h);
    for (const c of ['lung_aca', 'lung_n', 'lung_scc']) expect(text).toContain(c);
    // held-out numbers too: the test split's evaluation with its ROC and reliability diagram
    for (const h of ['on the validation split', 'on the test split', 'ROC on the test split', 'Reliability on the test split', 'Confusion matrix (test)']) expect(text).toContain(h);

    const cmp = pageWith(pdf, 'Comparison');
    const cmpText = pdfText(pdf, cmp);
    for (const x of runs) expect(cmpText).toContain(x.name);
    expect(cmpText).toMatch(/Accuracy/);

    // The comparison curves: each run's line in its colour, under the table.
    const img = await renderPage(pdf, cmp, 60);
    const box = { x0: 0, y0: 0.15, x1: 1, y1: 0.7 };
    expect(countPixels(img, box, near(classColor(0), 45))).toBeGreaterThan(80);
    expect(countPixels(img, box, near(classColor(1), 45))).toBeGreaterThan(80);
    expect(pdfFonts(pdf).filter((f) => !f.embedded)).toEqual([]);

    const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['run_id', 'run_name', 'arch', 'mode', 'split', 'class']);
    // one row per run, split (validation and test) and class
    expect(lines).toHaveLength(1 + 2 * 2 * 3);
    const split = lines.slice(1).map((l) => l.split(',')[4]);
    expect(split.filter((s) => s === 'test')).toHaveLength(2 * 3);
  });

  it('a single run has no comparison section', () => {
    const pdf = join(home.dir, 'one.pdf');
    const r = tessella(['report', 'run', String(runs[1]!.runId), '--out', pdf, '--page-size', 'Letter', '--json'], env, 200_000);
    expect(r.code, r.stderr).toBe(0);
    const text = pdfText(pdf);
    expect(text).not.toContain('Comparison');
    expect(text).toContain(runs[1]!.name);
  });

  it('names unknown runs', () => {
    const r = tessella(['report', 'run', '9999', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no training run with id 9999/);
  });

  it('shows the training run and its validation metrics in a slide report of a model trained here', needs(svs), () => {
    const pdf = join(home.dir, 'slide.pdf');
    const r = tessella(['report', 'slide', svs!, '--model', runs[0]!.out, '--mpp', '8', '--top-tiles', '2', '--out', pdf, '--json'], env, 200_000);
    expect(r.code, r.stderr).toBe(0);
    const text = pdfText(pdf);
    expect(text).toContain('Training run');
    expect(text).toContain(runs[0]!.name);
    expect(text).toMatch(/Validation metrics of the run/);
    expect(text).not.toContain('Not trained in Tessella');
  });
});
