/**
 * Getting at a report's files. The desktop app hands them to the system (open or reveal in the
 * folder); in browser mode the files live on the machine running `tessella serve`, so the page
 * opens or downloads them through the host's resource URLs instead.
 */
import type { ReportSummary } from '@shared/contract/reports';
import { resourcePaths } from '@shared/resources';
import { api, hostKind, resourceUrl } from '../api';
import { baseName } from '../format';

export type ReportFileKind = 'pdf' | 'html' | 'csv';

/** Revealing a file in its folder needs the desktop shell; a browser tab cannot do it. */
export const canReveal = hostKind === 'electron';

export const opensInSystem = hostKind === 'electron';

export function reportFileUrl(id: number, ext: ReportFileKind): string {
  return resourceUrl(resourcePaths.reportFile(id, ext));
}

export function reportFilePath(r: ReportSummary, ext: ReportFileKind): string | null {
  return ext === 'pdf' ? r.pdfPath : ext === 'html' ? r.htmlPath : r.csvPath;
}

/** The name a browser download gets: the file's own name on the server. */
export function downloadName(r: ReportSummary, ext: ReportFileKind): string {
  const path = reportFilePath(r, ext);
  return path ? baseName(path) : `report-${r.id}.${ext}`;
}

export function openInSystem(id: number, target: ReportFileKind, reveal = false) {
  return api.call('reports.open', { id, target, reveal });
}

/** Lower-case words joined by dashes, for file names that survive every file system. */
function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'report'
  );
}

/**
 * Where an HTML or CSV the user asked for goes: the data home's reports folder, beside the PDFs.
 * The contract takes explicit paths for these (the PDF alone has a default), and the report id is
 * not known before the call, so the name carries the time instead.
 */
export function extraFilePath(home: string, kind: string, about: string, ext: 'html' | 'csv', now = new Date()): string {
  const sep = home.includes('\\') && !home.includes('/') ? '\\' : '/';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${home.replace(/[\\/]+$/, '')}${sep}reports${sep}${stamp}-${kind}-${slug(about)}.${ext}`;
}
