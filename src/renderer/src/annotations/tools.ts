/** The annotation tools, in toolbar order, with the key that picks each (see `annotationShortcuts`). */
export type Tool = 'select' | 'rectangle' | 'ellipse' | 'polygon' | 'freehand' | 'point';

export type DrawTool = Exclude<Tool, 'select'>;

export interface ToolInfo {
  tool: Tool;
  title: string;
  /** KeyboardEvent.key, lower case; letters work with Caps Lock too. */
  key: string;
  /** How the key is written in tooltips and the help dialog. */
  label: string;
  hint: string;
}

// R (rotate), F, M, U, W/A/S/D (OpenSeadragon panning when the slide has focus) are taken;
// these follow QuPath where they can (E ellipse, P polygon, "." points) and mnemonics elsewhere.
export const tools: ToolInfo[] = [
  { tool: 'select', title: 'Select and edit', key: 'v', label: 'V', hint: 'Click a shape to select it; drag a selected shape or its corner handles to change it' },
  { tool: 'rectangle', title: 'Rectangle', key: 'b', label: 'B', hint: 'Drag a box (Shift for a square)' },
  { tool: 'ellipse', title: 'Ellipse', key: 'e', label: 'E', hint: 'Drag the box around the ellipse (Shift for a circle)' },
  { tool: 'polygon', title: 'Polygon', key: 'p', label: 'P', hint: 'Click the corners; double-click, Enter or click the first corner to close' },
  { tool: 'freehand', title: 'Freehand (lasso)', key: 'l', label: 'L', hint: 'Drag around the region to outline it' },
  { tool: 'point', title: 'Point', key: '.', label: '.', hint: 'Click to place a point' },
];

export function toolInfo(tool: Tool): ToolInfo {
  return tools.find((t) => t.tool === tool)!;
}
