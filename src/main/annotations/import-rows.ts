/**
 * A GeoJSON import in two halves. `prepareFeatures` does everything that grows with the file
 * (parse, validate, serialise each geometry, bounds) and runs in a worker thread for the
 * contract; what it hands back is plain strings and numbers, which cross to the main thread
 * cheaply. The main thread then only looks up classes and writes rows.
 */
import type { GeoJsonLimits } from './geojson.js';
import { parseGeoJson, type ParsedFeature } from './geojson.js';
import { boundsOf, type Bounds } from './geometry.js';
import { stringifyLenientJson } from './lenient-json.js';

export interface PreparedFeature {
  id: string;
  objectType: string;
  name: string | null;
  /** JSON text of the colour as given, or null. */
  color: string | null;
  locked: boolean;
  geometryJson: string;
  bounds: Bounds;
  classification: ParsedFeature['classification'];
  measurementsJson: string | null;
  /** JSON text of the feature's FeatureExtra (without a classification override). */
  extraJson: string;
}

export function prepareFeatures(text: string, limits?: GeoJsonLimits): PreparedFeature[] {
  return parseGeoJson(text, limits).map((f) => ({
    id: f.id,
    objectType: f.objectType,
    name: f.name,
    color: f.color === null ? null : JSON.stringify(f.color),
    locked: f.locked,
    geometryJson: JSON.stringify(f.geometry),
    bounds: boundsOf(f.geometry),
    classification: f.classification,
    measurementsJson: f.measurements === null ? null : stringifyLenientJson(f.measurements),
    extraJson: stringifyLenientJson(f.extra),
  }));
}

/** A prepared feature's extra_json, with the classification override when its class row differs. */
export function extraJsonWith(extraJson: string, classification: unknown): string | null {
  if (classification === undefined) return extraJson === '{}' ? null : extraJson;
  const member = `"classification":${stringifyLenientJson(classification)}`;
  return extraJson === '{}' ? `{${member}}` : `${extraJson.slice(0, -1)},${member}}`;
}
