/** A throwaway data home with CMU-1-Small-Region.svs registered, for the annotation tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { annotationService, type AnnotationService } from '../../../src/main/annotations/service.js';
import { tempHome } from '../../helpers/temp-home.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';

export const svsPath = sharedPath(SLIDES.svs);
export const qupathFile = sharedPath('data/annotations/cmu1-qupath-style.geojson');
export const qupathText = qupathFile ? readFileSync(qupathFile, 'utf8') : '';

export interface Fixture {
  ctx: AppContext;
  svc: AnnotationService;
  slideId: number;
  home: string;
  cleanup(): void;
}

export async function openFixture(): Promise<Fixture> {
  const home = tempHome('tessella-annotations-');
  const ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
  const slide = await ctx.slides.ensure(svsPath!);
  return {
    ctx,
    svc: annotationService(ctx),
    slideId: slide.id,
    home: home.dir,
    cleanup() {
      ctx.close();
      home.cleanup();
    },
  };
}
