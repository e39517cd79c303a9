/**
 * QuPath writes measurements with Gson's serializeSpecialFloatingPointValues, so its exports can
 * hold bare NaN / Infinity / -Infinity, which JSON.parse refuses. These read and write them back
 * as the same literals, so such a file opens here and round-trips unchanged.
 */

const SENTINEL = '\u0000tessella-nonfinite:';
const LITERALS = ['NaN', 'Infinity', '-Infinity'] as const;

/** JSON.parse, falling back to accepting QuPath's non-finite number literals. */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (strictError) {
    const replaced = replaceBareLiterals(text);
    if (replaced === null) throw strictError;
    try {
      return JSON.parse(replaced, (_k, v) => (typeof v === 'string' && v.startsWith(SENTINEL) ? Number(v.slice(SENTINEL.length)) : v));
    } catch {
      // The literals were not the problem: report what the strict parser said.
      throw strictError;
    }
  }
}

/** JSON.stringify that writes NaN and ±Infinity as bare literals, as QuPath does. */
export function stringifyLenientJson(value: unknown, indent?: number): string {
  // A replacer slows every export down; most documents have no such value to replace.
  if (!hasNonFinite(value)) return JSON.stringify(value, null, indent);
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? SENTINEL + String(v) : v), indent);
  const escaped = JSON.stringify(SENTINEL).slice(1, -1);
  let out = text;
  for (const lit of LITERALS) out = out.split(`"${escaped}${lit}"`).join(lit);
  return out;
}

function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasNonFinite);
  for (const k in v) if (hasNonFinite((v as Record<string, unknown>)[k])) return true;
  return false;
}

/** The text with bare NaN/Infinity tokens (outside strings) quoted as sentinels, or null if none. */
function replaceBareLiterals(text: string): string | null {
  let out = '';
  let last = 0;
  let inString = false;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== 'N' && c !== 'I' && c !== '-') continue;
    const lit = LITERALS.find((l) => text.startsWith(l, i));
    if (!lit) continue;
    out += text.slice(last, i) + JSON.stringify(SENTINEL + lit);
    i += lit.length - 1;
    last = i + 1;
    changed = true;
  }
  return changed ? out + text.slice(last) : null;
}

/**
 * Where the text first nests arrays and objects more than `max` deep (the offset of that bracket),
 * or -1. JSON.parse recurses per level and overflows the stack on a deep enough document, and so
 * would every walk over the result: this scan runs first, so neither ever sees such a document.
 */
export function nestingBeyond(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return -1;
}
