/**
 * Open the PDF, reveal it in its folder, get the HTML or CSV. Shown as icons in the report table
 * and as labelled buttons when a report dialog finishes.
 */
import type { ReactNode } from 'react';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import CodeIcon from '@mui/icons-material/Code';
import FolderOpenIcon from '@mui/icons-material/FolderOpen';
import PictureAsPdfIcon from '@mui/icons-material/PictureAsPdf';
import TableChartIcon from '@mui/icons-material/TableChart';
import type { ReportSummary } from '@shared/contract/reports';
import { errorMessage } from '../api';
import { canReveal, downloadName, openInSystem, opensInSystem, reportFileUrl, type ReportFileKind } from './reportFiles';

interface Action {
  key: string;
  label: string;
  icon: ReactNode;
  testId: string;
  /** Browser mode: a link the browser follows (new tab for the PDF, a download for the rest). */
  link?: { href: string; download?: string };
  /** Desktop: the system opens or reveals the file. */
  run?: () => Promise<unknown>;
}

function actionsFor(r: ReportSummary): Action[] {
  const file = (ext: ReportFileKind, label: string, icon: ReactNode, testId: string, download: boolean): Action =>
    opensInSystem
      ? { key: ext, label, icon, testId, run: () => openInSystem(r.id, ext) }
      : { key: ext, label, icon, testId, link: { href: reportFileUrl(r.id, ext), download: download ? downloadName(r, ext) : undefined } };
  const list: Action[] = [];
  if (r.pdfPath) {
    list.push(file('pdf', 'Open PDF', <PictureAsPdfIcon fontSize="small" />, 'report-open-pdf', false));
    if (canReveal) list.push({ key: 'reveal', label: 'Show in folder', icon: <FolderOpenIcon fontSize="small" />, testId: 'report-reveal', run: () => openInSystem(r.id, 'pdf', true) });
  }
  if (r.htmlPath) list.push(file('html', opensInSystem ? 'Open HTML' : 'Download HTML', <CodeIcon fontSize="small" />, 'report-html', true));
  if (r.csvPath) list.push(file('csv', opensInSystem ? 'Open CSV' : 'Download CSV', <TableChartIcon fontSize="small" />, 'report-csv', true));
  return list;
}

export function ReportFileActions({ report, compact, onError }: { report: ReportSummary; compact: boolean; onError: (message: string | null) => void }) {
  if (report.status !== 'completed') return null;
  const act = (a: Action) => {
    if (!a.run) return;
    onError(null);
    a.run().catch((err) => onError(errorMessage(err)));
  };
  return (
    <>
      {actionsFor(report).map((a) => {
        const linkProps = a.link ? { component: 'a' as const, href: a.link.href, download: a.link.download, target: a.link.download ? undefined : '_blank', rel: 'noopener' } : {};
        return compact ? (
          <Tooltip key={a.key} title={a.label}>
            <IconButton size="small" aria-label={`${a.label}: ${report.title}`} data-testid={a.testId} onClick={() => act(a)} {...linkProps}>
              {a.icon}
            </IconButton>
          </Tooltip>
        ) : (
          <Button key={a.key} startIcon={a.icon} variant={a.key === 'pdf' ? 'contained' : 'outlined'} data-testid={a.testId} onClick={() => act(a)} {...linkProps}>
            {a.label}
          </Button>
        );
      })}
    </>
  );
}
