/**
 * Cross-validations and sweeps, kept current: the list from runs.groups, re-read when a group
 * starts or ends, and between those the fold counts straight from training.groupProgress (a
 * logistic-regression fold takes milliseconds: no re-read per fold).
 */
import { useEffect, useState } from 'react';
import type { CallOutput } from '@shared/api';
import type { GroupProgress } from '@shared/contract/run-groups';
import { api, errorMessage } from '../api';

export type GroupList = CallOutput<'runs.groups'>;

export function useRunGroups(): { groups: GroupList | null; live: Map<number, GroupProgress>; error: string | null } {
  const [groups, setGroups] = useState<GroupList | null>(null);
  const [live, setLive] = useState<Map<number, GroupProgress>>(new Map());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () =>
      api.call('runs.groups', {}).then(
        (g) => {
          if (!alive) return;
          setGroups(g);
          setError(null);
        },
        (e) => alive && setError(errorMessage(e)),
      );
    const known = new Set<number>();
    const off = api.on('training.groupProgress', (p) => {
      setLive((m) => new Map(m).set(p.groupId, p));
      // a new group, or one that ended: its row (numbers, status) changed
      if (!known.has(p.groupId) || p.phase === 'done') {
        known.add(p.groupId);
        void load();
      }
    });
    void load();
    return () => {
      alive = false;
      off();
    };
  }, []);
  return { groups, live, error };
}
