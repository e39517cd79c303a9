/** The latest job.progress event of one job, while `jobId` is set. */
import { useEffect, useState } from 'react';
import type { EventPayload } from '@shared/api';
import { api } from '../api';

export type JobProgress = EventPayload<'job.progress'>;

export function useJobProgress(jobId: string | null): JobProgress | null {
  const [progress, setProgress] = useState<JobProgress | null>(null);
  useEffect(() => {
    setProgress(null);
    if (!jobId) return;
    return api.on('job.progress', (p) => {
      if (p.jobId === jobId) setProgress(p);
    });
  }, [jobId]);
  return progress;
}

/** A fresh job id, so the client can name (and cancel) a job before its call returns. */
export function newJobId(kind: string): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${kind}-${random}`;
}
