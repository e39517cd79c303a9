/**
 * A text field's last value kept in this browser's storage (a model path, a folder, a dataset
 * id), offered again next time. Storage may be disabled or full: then nothing is remembered,
 * which only costs the user some typing.
 */
export function recallText(key: string): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** Keeps `value` under `key`; an empty value leaves what was kept. */
export function rememberText(key: string, value: string): void {
  try {
    if (value) localStorage.setItem(key, value);
  } catch {
    // storage disabled: nothing to remember with
  }
}
