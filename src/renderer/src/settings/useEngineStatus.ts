/**
 * What `engine.info` says (the provider chosen and why, GPU training), fetched once per provider
 * setting: the first call initialises TensorFlow.js on the server, so it is not repeated per panel.
 */
import { useEffect, useState } from 'react';
import type { EngineStatus } from '@shared/contract/models';
import { api, errorMessage } from '../api';

const cache = new Map<string, Promise<EngineStatus>>();

function engineInfo(provider: string): Promise<EngineStatus> {
  let p = cache.get(provider);
  if (!p) {
    p = api.call('engine.info', {});
    p.catch(() => cache.delete(provider));
    cache.set(provider, p);
  }
  return p;
}

/** `provider`: the engine.provider setting the status is for (a new pin asks again). */
export function useEngineStatus(provider: string): { status: EngineStatus | null; error: string | null } {
  const [state, setState] = useState<{ status: EngineStatus | null; error: string | null }>({ status: null, error: null });
  useEffect(() => {
    let live = true;
    engineInfo(provider).then(
      (status) => live && setState({ status, error: null }),
      (err) => live && setState({ status: null, error: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
  }, [provider]);
  return state;
}
