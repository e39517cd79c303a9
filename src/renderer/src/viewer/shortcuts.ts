/**
 * The viewer's keyboard map, in one table that both the key handler and the `?` help dialog
 * read, so the help can never drift from what the keys do.
 */
export type ViewerCommand =
  | 'fit'
  | 'oneToOne'
  | 'zoomIn'
  | 'zoomOut'
  | 'rotateCw'
  | 'rotateCcw'
  | 'fullscreen'
  | 'metadata'
  | 'analysis'
  | 'overlay'
  | 'ruler'
  | 'help'
  | 'panLeft'
  | 'panRight'
  | 'panUp'
  | 'panDown'
  | 'escape';

export interface Shortcut {
  command: ViewerCommand;
  /** KeyboardEvent.key values that trigger it. */
  keys: string[];
  /** How the help dialog writes the keys. */
  label: string[];
  description: string;
}

export const shortcuts: Shortcut[] = [
  { command: 'fit', keys: ['0', 'Home'], label: ['0', 'Home'], description: 'Fit the whole slide in view' },
  { command: 'oneToOne', keys: ['1'], label: ['1'], description: 'Full resolution: one slide pixel per screen pixel (class 1 instead while shapes are selected or the annotations panel is open)' },
  { command: 'zoomIn', keys: ['+', '='], label: ['+'], description: 'Zoom in' },
  { command: 'zoomOut', keys: ['-', '_'], label: ['−'], description: 'Zoom out' },
  { command: 'rotateCw', keys: ['r'], label: ['R'], description: 'Rotate 90° clockwise' },
  { command: 'rotateCcw', keys: ['R'], label: ['Shift', 'R'], description: 'Rotate 90° counter-clockwise' },
  { command: 'fullscreen', keys: ['f', 'F'], label: ['F'], description: 'Full screen on/off' },
  { command: 'metadata', keys: ['m', 'M'], label: ['M'], description: 'Show or hide slide information' },
  { command: 'analysis', keys: ['c', 'C'], label: ['C'], description: 'Show or hide the analysis panel (classify, heatmap, slide label)' },
  { command: 'overlay', keys: ['o', 'O'], label: ['O'], description: 'Show or hide the analysis heatmap on the slide' },
  { command: 'ruler', keys: ['u', 'U'], label: ['U'], description: 'Ruler: drag on the slide to measure' },
  { command: 'panLeft', keys: ['ArrowLeft'], label: ['←'], description: 'Pan left' },
  { command: 'panRight', keys: ['ArrowRight'], label: ['→'], description: 'Pan right' },
  { command: 'panUp', keys: ['ArrowUp'], label: ['↑'], description: 'Pan up' },
  { command: 'panDown', keys: ['ArrowDown'], label: ['↓'], description: 'Pan down' },
  { command: 'escape', keys: ['Escape'], label: ['Esc'], description: 'Leave the ruler, full screen or a dialog' },
  { command: 'help', keys: ['?'], label: ['?'], description: 'This list of shortcuts' },
];

const byKey = new Map<string, ViewerCommand>(shortcuts.flatMap((s) => s.keys.map((k) => [k, s.command] as const)));

export function commandForKey(event: Pick<KeyboardEvent, 'key' | 'shiftKey'>): ViewerCommand | undefined {
  let key = event.key;
  // Decide letter case from Shift rather than the produced character, so Caps Lock does not
  // turn "rotate clockwise" into "counter-clockwise".
  if (/^[a-z]$/i.test(key)) key = event.shiftKey ? key.toUpperCase() : key.toLowerCase();
  return byKey.get(key);
}

/** Keys OpenSeadragon must leave alone because the handler above owns them. */
export const ownedKeys: ReadonlySet<string> = new Set(byKey.keys());
