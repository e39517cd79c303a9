/**
 * The renderer's single door to Tessella's Node side. Electron's preload hands us an object
 * that already speaks the contract; in browser mode we speak it ourselves over HTTP + SSE.
 * Everything else in the renderer imports `api` and `resourceUrl` and never asks which host.
 */
import type { ApiErrorBody, CallInput, CallName, CallOutput, EventName, EventPayload, TessellaApi } from '@shared/api';

declare global {
  interface Window {
    tessella?: TessellaApi & { resourceBase: string };
  }
}

/** Carries the server's machine-readable `code` so the UI can pick how to show a failure. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'tessella.token';

/**
 * The browser-mode server hands out its token in the page URL. We keep it in sessionStorage
 * and strip it from the address bar so it does not end up in bookmarks, history or screenshots,
 * while a reload of the same tab keeps working.
 */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then lives only for this page load.
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (typeof body.error === 'string') return new ApiError(body.error, body.code ?? 'error', response.status);
  } catch {
    // Not JSON (a proxy error page, say); fall through to the status line.
  }
  const hint = response.status === 401 || response.status === 403 ? ' — open the address printed by `tessella serve` (it carries the access token)' : '';
  return new ApiError(`${response.status} ${response.statusText || 'request failed'}${hint}`, `http_${response.status}`, response.status);
}

type AnyListener = (payload: unknown) => void;

function createHttpApi(token: string | null): TessellaApi {
  const listeners = new Map<EventName, Set<AnyListener>>();
  let source: EventSource | null = null;
  let droppedSinceOpen = false;

  function dispatch(name: EventName, payload: unknown) {
    for (const listener of listeners.get(name) ?? []) listener(payload);
  }

  function subscribeOnSource(es: EventSource, name: EventName) {
    es.addEventListener(name, (message) => {
      let payload: unknown = {};
      try {
        payload = JSON.parse((message as MessageEvent<string>).data || '{}');
      } catch {
        return;
      }
      dispatch(name, payload);
    });
  }

  function ensureSource(): EventSource {
    if (source) return source;
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const es = new EventSource(`/api/events${query}`);
    es.addEventListener('error', () => {
      droppedSinceOpen = true;
    });
    // Events sent while the connection was down are lost; telling listeners the library may have
    // changed lets lists refetch instead of silently going stale.
    es.addEventListener('open', () => {
      if (droppedSinceOpen) {
        droppedSinceOpen = false;
        dispatch('slides.changed', {});
      }
    });
    for (const name of listeners.keys()) subscribeOnSource(es, name);
    source = es;
    return es;
  }

  return {
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers['x-tessella-token'] = token;
      let response: Response;
      try {
        response = await fetch(`/api/call/${name}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) });
      } catch (err) {
        throw new ApiError(`Cannot reach the Tessella server (${(err as Error).message}). Is \`tessella serve\` still running?`, 'unreachable');
      }
      if (!response.ok) throw await errorFrom(response);
      return (await response.json()) as CallOutput<K>;
    },

    on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
        if (source) subscribeOnSource(source, name);
      }
      set.add(listener as AnyListener);
      ensureSource();
      return () => {
        set.delete(listener as AnyListener);
      };
    },
  };
}

function createApi(): { api: TessellaApi; resourceUrl: (path: string) => string; host: 'electron' | 'browser' } {
  const bridge = window.tessella;
  if (bridge) {
    const base = bridge.resourceBase;
    return { api: bridge, resourceUrl: (path) => base + path, host: 'electron' };
  }
  const token = takeToken();
  // Calls send the token in a header; <img>, tile and EventSource requests cannot set one, so
  // resources and the event stream carry it in the query. There is no cookie: every 127.0.0.1
  // port shares them, and a page of another local program could replay it.
  const suffix = token ? `?token=${encodeURIComponent(token)}` : '';
  return { api: createHttpApi(token), resourceUrl: (path) => `/r/${path}${suffix}`, host: 'browser' };
}

const created = createApi();

export const api: TessellaApi = created.api;

/** Absolute URL for a resource path built with `resourcePaths` from the contract. */
export const resourceUrl: (path: string) => string = created.resourceUrl;

export const hostKind = created.host;

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The contract's error code, whether it came over HTTP (ApiError) or through the preload (Error with `code`). */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
