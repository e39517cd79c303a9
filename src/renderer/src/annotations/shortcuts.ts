/**
 * The annotation keys, in one table read by both the key handler and the `?` help dialog.
 * They are chosen around the viewer's own map (viewer/shortcuts.ts): the only shared key is 1,
 * which is the first class while shapes are selected or the annotations panel is open, and 1:1 zoom otherwise.
 */
import { tools } from './tools';

export interface AnnotationShortcut {
  /** Alternatives, each a key combination written key by key. */
  keys: string[][];
  description: string;
}

export const panelKey = 'a';
export const visibilityKey = 'h';

export const annotationShortcuts: AnnotationShortcut[] = [
  ...tools.map((t) => ({ keys: [[t.label]], description: `${t.title} tool` })),
  { keys: [['A']], description: 'Show or hide the annotations panel (classes and shapes)' },
  { keys: [['H']], description: 'Show or hide the annotations on the slide' },
  { keys: [['1–9']], description: 'Set the class of the selected shapes and of new ones (while shapes are selected or the annotations panel is open)' },
  { keys: [['Enter']], description: 'Close the polygon being drawn (or double-click)' },
  { keys: [['Esc']], description: 'Cancel the shape being drawn, then clear the selection' },
  { keys: [['Del'], ['Backspace']], description: 'Delete the selected shapes (Backspace while drawing a polygon takes back a corner)' },
  { keys: [['Ctrl', 'Z']], description: 'Undo the last annotation change (while drawing a polygon: its last corner)' },
  { keys: [['Ctrl', 'Shift', 'Z'], ['Ctrl', 'Y']], description: 'Redo' },
  { keys: [['Shift', 'drag']], description: 'Square or circle with the rectangle and ellipse tools' },
  { keys: [['Shift', 'click']], description: 'Add a shape to the selection, or take it out' },
];

/** Letter keys the annotation tools own; OpenSeadragon must not also act on them (its A pans). */
export const annotationKeys: ReadonlySet<string> = new Set([...tools.map((t) => t.key), panelKey, visibilityKey]);
