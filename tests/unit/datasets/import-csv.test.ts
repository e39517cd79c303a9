import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../../../src/main/datasets/csv.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { openDb } from '../../../src/main/store/db.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-ds-csv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('CSV parsing', () => {
  it('handles quotes, embedded commas, quotes and newlines, CRLF, a BOM and blank lines', () => {
    const text = '\ufeffpath,label\r\n"a, b.png",tumour\r\n\r\n"say ""hi"".png","multi\nline"\nplain.png,stroma';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['path', 'label'] },
      { line: 2, cells: ['a, b.png', 'tumour'] },
      { line: 4, cells: ['say "hi".png', 'multi\nline'] },
      { line: 6, cells: ['plain.png', 'stroma'] },
    ]);
    expect(() => parseCsv('a,"open\n')).toThrow(/unterminated/);
  });
});

describe('importing a CSV of LC25000 patches', needs(lung), () => {
  const files = lung ? ['lung_aca', 'lung_n', 'lung_scc'].flatMap((c) => readdirSync(join(lung, c)).sort().map((f) => ({ rel: `${c}/${f}`, label: c }))) : [];

  it('groups by patient so no patient straddles splits, keeps stated splits, and reports bad rows by line', async () => {
    const lines = ['file,class,split,patient'];
    files.forEach((f, i) => {
      const patient = `patient-${i % 10}`;
      lines.push(`${f.rel},${f.label},${patient === 'patient-0' ? 'test' : ''},${patient}`);
    });
    lines.push('lung_n/missing.jpeg,lung_n,,patient-3');
    lines.push(`${files[0].rel},lung_aca,dev,patient-1`);
    lines.push(`${files[1].rel},,,patient-1`);
    lines.push(`${files[2].rel},lung_n,,patient-2`);
    const csv = join(tmp, 'labels.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const db = openDb(join(tmp, 'csv.db'));

    const s = await importDataset(db, { path: csv, csv: true, root: lung!, name: 'by-patient', seed: 9 });
    expect(s.images).toBe(90);
    expect(s.classes).toEqual({ lung_aca: 30, lung_n: 30, lung_scc: 30 });
    const reasons = s.errors.map((e) => e.reason);
    expect(reasons.some((r) => /file not found/.test(r))).toBe(true);
    expect(reasons.some((r) => /unknown split "dev" on line 93/.test(r))).toBe(true);
    expect(reasons.some((r) => /no label on line 94/.test(r))).toBe(true);
    expect(reasons.some((r) => /listed again with label "lung_n" \(was "lung_aca"\) on line 95; the row on line 4 is used/.test(r))).toBe(true);

    const rows = db
      .prepare('SELECT path, split, split_given AS given, group_key AS "group" FROM images WHERE dataset_id = ?')
      .all(s.id) as { path: string; split: string; given: number; group: string }[];
    const patientSplit = new Map<string, string>();
    for (const r of rows) {
      const seen = patientSplit.get(r.group);
      if (seen) expect(r.split, r.group).toBe(seen);
      patientSplit.set(r.group, r.split);
      if (r.group === 'patient-0') expect([r.split, r.given]).toEqual(['test', 1]);
      else expect(r.given).toBe(0);
    }
    expect(patientSplit.size).toBe(10);
    expect(new Set(patientSplit.values())).toEqual(new Set(['train', 'val', 'test']));
    const detail = db.prepare('SELECT csv_path AS csvPath, root, source FROM datasets WHERE id = ?').get(s.id);
    expect(detail).toEqual({ csvPath: csv, root: lung, source: 'csv' });
    db.close();
  });

  it('reads a headerless CSV positionally, with absolute paths and an mpp column under a header', async () => {
    const headerless = join(tmp, 'plain.csv');
    writeFileSync(headerless, files.slice(0, 6).map((f, i) => `${join(lung!, f.rel)},${i % 2 ? 'odd' : 'even'}`).join('\n'));
    const withMpp = join(tmp, 'mpp.csv');
    writeFileSync(withMpp, ['mpp,label,path', ...files.slice(0, 4).map((f) => `0.25,${f.label},${f.rel}`)].join('\n'));
    const db = openDb(join(tmp, 'plain.db'));
    // The absolute paths lie outside the CSV's folder: taken only when allowed.
    await expect(importDataset(db, { path: headerless, csv: true, name: 'plain' })).rejects.toThrow(/6 row\(s\) name an image outside .*allowOutside/);
    const a = await importDataset(db, { path: headerless, csv: true, name: 'plain', allowOutside: true });
    expect(a.classes).toEqual({ even: 3, odd: 3 });
    expect(a.errors).toEqual([]);
    const b = await importDataset(db, { path: withMpp, csv: true, root: lung!, name: 'mpp' });
    expect(b.images).toBe(4);
    const mpps = db.prepare('SELECT DISTINCT mpp FROM images WHERE dataset_id = ?').all(b.id);
    expect(mpps).toEqual([{ mpp: 0.25 }]);
    db.close();
  });
});
