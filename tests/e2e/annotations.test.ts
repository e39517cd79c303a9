import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSlideInUi, shots } from '../helpers/browser.js';
import { e2eSession } from '../helpers/e2e-session.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);

interface ListedAnnotation {
  id: string;
  className: string | null;
  geometry: { type: string; coordinates: unknown };
}

describe('slide annotations end to end in Chromium', needs(has.chromium, svs), () => {
  const session = e2eSession('tessella-e2e-ann-', { viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const { home, call } = session;
  let slideId = 0;

  /** The slide's annotations as the server holds them (one page: these tests draw a few). */
  const listed = async () => (await call<{ annotations: ListedAnnotation[] }>('annotations.list', { slideId, limit: 5000 })).annotations;

  const items = () => session.page.getByTestId('annotation-item');

  async function viewerBox() {
    const box = await session.page.getByTestId('viewer').boundingBox();
    if (!box) throw new Error('no viewer on the page');
    return box;
  }

  /** Waits for the slide to be open and the view to have settled after an animation. */
  async function settled() {
    await expect.poll(() => session.page.getByTestId('zoom-in').isEnabled(), { timeout: 60_000 }).toBe(true);
    await session.page.waitForTimeout(900);
  }

  it('draws a polygon, classifies it, keeps it across a reload, and undoes/redoes it', async () => {
    await session.page.goto(session.serve.url);
    await openSlideInUi(session.page, svs!);
    await session.page.getByTestId('annotation-toolbar').waitFor();
    await session.page.getByTestId('annotation-canvas').waitFor({ state: 'attached' });
    await settled();
    slideId = Number(/#\/slides\/(\d+)/.exec(session.page.url())?.[1]);
    expect(slideId).toBeGreaterThan(0);

    // A class to give the shape.
    await session.page.getByTestId('annotations-panel-toggle').click();
    await session.page.getByTestId('class-list').waitFor();
    await session.page.getByTestId('class-add').click();
    await session.page.getByTestId('class-name-input').fill('Tumour');
    await session.page.getByTestId('class-name-input').press('Enter');
    await session.page.getByTestId('class-item').filter({ hasText: 'Tumour' }).waitFor();
    // New shapes unclassified first, so the class is given afterwards, as asked.
    await session.page.getByTestId('class-item-none').click();

    await session.page.getByTestId('tool-polygon').click();
    const box = await viewerBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const corners = [
      [cx - 150, cy - 100],
      [cx + 120, cy - 130],
      [cx + 170, cy + 90],
      [cx - 60, cy + 140],
    ];
    for (const [x, y] of corners.slice(0, -1)) {
      await session.page.mouse.click(x, y);
      // Apart in time, so OpenSeadragon never pairs two corners into a double-click.
      await session.page.waitForTimeout(400);
    }
    const [lx, ly] = corners[corners.length - 1];
    await session.page.mouse.move(lx - 30, ly - 20);
    await session.page.screenshot({ path: join(shots, 'annotations-drawing.png') });
    await session.page.mouse.dblclick(lx, ly);

    await expect.poll(() => items().count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(async () => (await items().first().textContent()) ?? '').toContain('Unclassified');
    await expect.poll(async () => (await items().first().textContent()) ?? '').toMatch(/Polygon · [\d,.]+ (µm²|mm²)/);

    const [drawn] = await listed();
    expect(drawn.geometry.type).toBe('Polygon');
    // Four corners and the closing repeat; the double-click's extra click added nothing.
    expect((drawn.geometry.coordinates as number[][][])[0]).toHaveLength(5);

    // The new shape is selected: give it the class.
    await session.page.getByTestId('class-item').filter({ hasText: 'Tumour' }).getByTestId('class-assign').click();
    await expect.poll(async () => (await items().first().textContent()) ?? '').toContain('Tumour');
    await session.page.getByTestId('tool-select').click();
    await session.page.screenshot({ path: join(shots, 'annotations-polygon.png') });

    await session.page.reload();
    await session.page.getByTestId('annotation-list').waitFor({ timeout: 60_000 });
    await settled();
    await expect.poll(() => items().count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(async () => (await items().first().textContent()) ?? '').toContain('Tumour');
    const afterReload = await listed();
    expect(afterReload).toHaveLength(1);
    expect(afterReload[0].className).toBe('Tumour');
    await session.page.screenshot({ path: join(shots, 'annotations-reloaded.png') });

    // Undo the class, then the shape; redo both.
    await session.page.getByTestId('annotations-undo').click();
    await expect.poll(async () => (await items().first().textContent()) ?? '').toContain('Unclassified');
    await session.page.getByTestId('annotations-undo').click();
    await expect.poll(() => items().count()).toBe(0);
    expect(await listed()).toHaveLength(0);

    await session.page.getByTestId('annotations-redo').click();
    await expect.poll(() => items().count()).toBe(1);
    // Ctrl+Shift+Z is the same redo from the keyboard.
    await session.page.keyboard.press('Control+Shift+Z');
    await expect.poll(async () => (await items().first().textContent()) ?? '').toContain('Tumour');
    const redone = await listed();
    expect(redone.map((a) => [a.id, a.className])).toEqual([[drawn.id, 'Tumour']]);
  });

  it('draws rectangles, ellipses, freehand outlines and points, selects through rotation, moves and deletes', async () => {
    const box = await viewerBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const countBefore = await items().count();

    await session.page.keyboard.press('b');
    await session.page.mouse.move(cx - 300, cy - 250);
    await session.page.mouse.down();
    await session.page.mouse.move(cx - 200, cy - 180, { steps: 6 });
    await session.page.mouse.up();
    await expect.poll(() => items().count()).toBe(countBefore + 1);

    await session.page.getByTestId('tool-ellipse').click();
    await session.page.mouse.move(cx + 200, cy - 250);
    await session.page.mouse.down();
    await session.page.mouse.move(cx + 320, cy - 170, { steps: 6 });
    await session.page.mouse.up();
    await expect.poll(() => items().count()).toBe(countBefore + 2);

    await session.page.getByTestId('tool-freehand').click();
    await session.page.mouse.move(cx - 320, cy + 170);
    await session.page.mouse.down();
    for (let i = 0; i <= 40; i++) {
      const t = (i / 40) * Math.PI * 2;
      await session.page.mouse.move(cx - 260 + 60 * Math.cos(t + Math.PI), cy + 170 + 40 * Math.sin(t + Math.PI));
    }
    await session.page.mouse.up();
    await expect.poll(() => items().count()).toBe(countBefore + 3);

    // A point off the centre, then a quarter turn: it must stay on the same tissue.
    const dx = 240;
    const dy = 60;
    await session.page.getByTestId('tool-point').click();
    await session.page.mouse.click(cx + dx, cy + dy);
    await expect.poll(() => items().count()).toBe(countBefore + 4);
    const list = await listed();
    const byType = list.map((a) => a.geometry.type);
    expect(byType.filter((t) => t === 'Polygon')).toHaveLength(4);
    expect(byType.filter((t) => t === 'Point')).toHaveLength(1);
    const ellipse = list[list.length - 3];
    expect((ellipse.geometry.coordinates as number[][][])[0]).toHaveLength(65);
    const point = list[list.length - 1];
    await session.page.screenshot({ path: join(shots, 'annotations-tools.png') });

    await session.page.keyboard.press('v');
    await session.page.keyboard.press('Escape');
    await session.page.getByTestId('rotate').click();
    await settled();
    // Rotating 90° clockwise about the centre takes (dx, dy) to (-dy, dx).
    await session.page.mouse.click(cx - dy, cy + dx);
    await expect.poll(async () => session.page.locator(`[data-annotation-id="${point.id}"]`).getAttribute('aria-selected')).toBe('true');
    await session.page.screenshot({ path: join(shots, 'annotations-rotated.png') });

    // Drag the selected point 40 px to the right on screen: after the quarter turn that is -y on the slide.
    await session.page.mouse.move(cx - dy, cy + dx);
    await session.page.mouse.down();
    await session.page.mouse.move(cx - dy + 40, cy + dx, { steps: 5 });
    await session.page.mouse.up();
    await expect
      .poll(async () => {
        const moved = (await listed()).find((a) => a.id === point.id)!;
        return (moved.geometry.coordinates as number[])[1] - (point.geometry.coordinates as number[])[1];
      })
      .toBeLessThan(-5);

    await session.page.keyboard.press('Delete');
    await expect.poll(() => items().count()).toBe(countBefore + 3);
    await session.page.getByTestId('rotate-ccw').click();
    await settled();

    // Reshape the rectangle: select it, then drag its bottom-right corner handle outwards.
    const rectangle = list[list.length - 4];
    const corner = (g: ListedAnnotation) => (g.geometry.coordinates as number[][][])[0].reduce((m, p) => (p[0] + p[1] > m[0] + m[1] ? p : m));
    await session.page.mouse.click(cx - 250, cy - 215);
    await expect.poll(async () => session.page.locator(`[data-annotation-id="${rectangle.id}"]`).getAttribute('aria-selected')).toBe('true');
    await session.page.mouse.move(cx - 200, cy - 180);
    await session.page.mouse.down();
    await session.page.mouse.move(cx - 150, cy - 140, { steps: 5 });
    await session.page.mouse.up();
    await expect
      .poll(async () => {
        const now = (await listed()).find((a) => a.id === rectangle.id)!;
        return corner(now)[0] - corner(rectangle)[0];
      })
      .toBeGreaterThan(5);
    const reshaped = (await listed()).find((a) => a.id === rectangle.id)!;
    // Still a closed ring of four corners: the handle moved one vertex, not the shape.
    const ring = (reshaped.geometry.coordinates as number[][][])[0];
    expect(ring).toHaveLength(5);
    expect(ring[0]).toEqual(ring[4]);
    await session.page.screenshot({ path: join(shots, 'annotations-reshaped.png') });
    await session.page.keyboard.press('Escape');
  });

  it('picks classes with number keys, renames and recolours them, and documents the keys', async () => {
    // With the panel open, 1 picks the first class instead of zooming to full resolution.
    const magnification = await session.page.getByTestId('magnification').textContent();
    await session.page.keyboard.press('1');
    const tumour = session.page.getByTestId('class-item').filter({ hasText: 'Tumour' });
    await expect.poll(() => tumour.getAttribute('aria-selected')).toBe('true');
    await session.page.waitForTimeout(700);
    expect(await session.page.getByTestId('magnification').textContent()).toBe(magnification);

    await tumour.getByTestId('class-name').dblclick();
    await session.page.getByTestId('class-rename-input').fill('Tumour core');
    await session.page.getByTestId('class-rename-input').press('Enter');
    await expect.poll(async () => (await items().first().textContent()) ?? '').toContain('Tumour core');

    await session.page.getByTestId('class-item').filter({ hasText: 'Tumour core' }).locator('input[type="color"]').fill('#ff00ff');
    await expect
      .poll(async () => (await call<{ name: string; color: string }[]>('annotations.classes', {})).find((c) => c.name === 'Tumour core')?.color)
      .toBe('#ff00ff');

    await session.page.keyboard.press('?');
    const help = session.page.getByTestId('shortcut-help');
    await help.waitFor();
    expect(await help.textContent()).toContain('Freehand (lasso) tool');
    await session.page.screenshot({ path: join(shots, 'annotations-help.png') });
    await session.page.keyboard.press('Escape');
  });

  it('exports and imports QuPath GeoJSON', async () => {
    const download = session.page.waitForEvent('download');
    await session.page.getByTestId('annotations-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('CMU-1-Small-Region.geojson');
    const path = join(home.dir, 'export.geojson');
    await file.saveAs(path);
    const exported = JSON.parse(readFileSync(path, 'utf8')) as { type: string; features: { properties: { classification?: { name: string } } }[] };
    expect(exported.type).toBe('FeatureCollection');
    expect(exported.features.some((f) => f.properties.classification?.name === 'Tumour core')).toBe(true);

    const before = await items().count();
    const incoming = join(home.dir, 'import.geojson');
    writeFileSync(
      incoming,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: { type: 'Polygon', coordinates: [[[100, 100], [400, 100], [400, 300], [100, 300], [100, 100]]] },
            properties: { objectType: 'annotation', classification: { name: 'Stroma', color: [150, 200, 150] } },
          },
        ],
      }),
    );
    await session.page.getByTestId('annotations-import-file').setInputFiles(incoming);
    // The server parses imports in a worker thread: a moment longer than a synchronous parse.
    await expect.poll(() => items().count(), { timeout: 30_000 }).toBe(before + 1);
    await session.page.getByTestId('class-item').filter({ hasText: 'Stroma' }).waitFor();
    await items().last().click();
    await settled();
    await session.page.screenshot({ path: join(shots, 'annotations-imported.png') });
  });

  it('stays smooth with thousands of shapes: culled painting, virtualised list', async () => {
    // A grid of 4,000 small cell-like hexagons over the slide, as a cell detection export would be.
    const features = [];
    for (let i = 0; i < 80; i++) {
      for (let j = 0; j < 50; j++) {
        const x = 40 + i * 26;
        const y = 60 + j * 56;
        const ring = Array.from({ length: 6 }, (_, k) => [x + 9 * Math.cos((k * Math.PI) / 3), y + 9 * Math.sin((k * Math.PI) / 3)]);
        features.push({
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] },
          properties: { objectType: 'detection', classification: { name: (i + j) % 3 ? 'Stroma' : 'Tumour' } },
        });
      }
    }
    // By path: browser mode caps request bodies at 1 MiB, and this file is larger.
    const many = join(home.dir, 'cells.geojson');
    writeFileSync(many, JSON.stringify({ type: 'FeatureCollection', features }));
    await call('annotations.import', { slideId, path: many });
    await session.page.reload();
    await session.page.getByTestId('annotation-list').waitFor({ timeout: 60_000 });
    await settled();
    await expect.poll(async () => (await session.page.getByTestId('annotation-count').textContent()) ?? '').toContain('4,005');
    // Only the rows in sight exist in the session.page.
    expect(await items().count()).toBeLessThan(80);

    // Frame intervals while zooming in and out, with the shapes hidden and then drawn: painting
    // 4,000 shapes must not be what sets the frame rate.
    const zoomFrames = async () => {
      const measure = session.page.evaluate(async () => {
        const gaps: number[] = [];
        let last = performance.now();
        const end = last + 2500;
        await new Promise<void>((resolve) => {
          const tick = (t: number) => {
            gaps.push(t - last);
            last = t;
            if (t < end) requestAnimationFrame(tick);
            else resolve();
          };
          requestAnimationFrame(tick);
        });
        return gaps.sort((x, y) => x - y);
      });
      for (const id of ['zoom-out', 'zoom-in', 'zoom-in', 'zoom-out']) {
        await session.page.getByTestId(id).click();
        await session.page.waitForTimeout(450);
      }
      const gaps = await measure;
      return { count: gaps.length, median: gaps[Math.floor(gaps.length / 2)], p90: gaps[Math.floor(gaps.length * 0.9)] };
    };
    await session.page.keyboard.press('h');
    const hidden = await zoomFrames();
    await session.page.keyboard.press('h');
    await settled();
    const shown = await zoomFrames();
    const fmt = (f: typeof shown) => `${f.count} frames, median ${f.median.toFixed(1)} ms, p90 ${f.p90.toFixed(1)} ms`;
    console.log(`[annotations] zooming for 2.5 s over 4,005 shapes: hidden ${fmt(hidden)}; drawn ${fmt(shown)}`);
    await session.page.screenshot({ path: join(shots, 'annotations-many.png') });
  });
});
