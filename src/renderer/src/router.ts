/**
 * A hash router small enough to read in one go. Hash routes keep working from file://
 * and custom protocols in Electron as well as from the browser-mode server, with no
 * server-side fallback routes to configure.
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'slides' }
  | { page: 'viewer'; slideId: number }
  | { page: 'datasets' }
  | { page: 'dataset'; datasetId: number }
  | { page: 'labelling'; datasetId: number }
  | { page: 'training' }
  | { page: 'runs' }
  | { page: 'run'; runId: number }
  | { page: 'runs-compare'; runIds: number[] }
  | { page: 'reports' }
  | { page: 'models' }
  | { page: 'cohorts' }
  | { page: 'not-found'; hash: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/slides';
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'slides') {
    if (parts.length === 1) return { page: 'slides' };
    if (parts.length === 2 && /^\d{1,9}$/.test(parts[1]) && +parts[1] > 0) return { page: 'viewer', slideId: +parts[1] };
  }
  if (parts[0] === 'datasets' && parts.length >= 2 && parts.length <= 3 && /^\d{1,9}$/.test(parts[1]) && +parts[1] > 0) {
    if (parts.length === 2) return { page: 'dataset', datasetId: +parts[1] };
    if (parts[2] === 'label') return { page: 'labelling', datasetId: +parts[1] };
  }
  if (parts[0] === 'runs' && parts.length === 2 && /^\d{1,9}$/.test(parts[1]) && +parts[1] > 0) return { page: 'run', runId: +parts[1] };
  if (parts[0] === 'runs' && parts.length === 3 && parts[1] === 'compare' && /^\d{1,9}(,\d{1,9})*$/.test(parts[2])) {
    const runIds = [...new Set(parts[2].split(',').map(Number))].filter((id) => id > 0);
    if (runIds.length > 0) return { page: 'runs-compare', runIds };
  }
  if (parts.length === 1 && (parts[0] === 'datasets' || parts[0] === 'training' || parts[0] === 'runs' || parts[0] === 'reports' || parts[0] === 'models' || parts[0] === 'cohorts')) {
    return { page: parts[0] };
  }
  return { page: 'not-found', hash: path };
}

export const href = {
  slides: () => '#/slides',
  viewer: (slideId: number) => `#/slides/${slideId}`,
  page: (page: 'datasets' | 'training' | 'runs' | 'reports' | 'models' | 'cohorts') => `#/${page}`,
  dataset: (datasetId: number) => `#/datasets/${datasetId}`,
  labelling: (datasetId: number) => `#/datasets/${datasetId}/label`,
  run: (runId: number) => `#/runs/${runId}`,
  compareRuns: (runIds: readonly number[]) => `#/runs/compare/${runIds.join(',')}`,
};

export function navigate(to: string) {
  if (window.location.hash !== to) window.location.hash = to;
}

function subscribe(onChange: () => void) {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = () => window.location.hash;

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash);
  return parseHash(hash);
}
