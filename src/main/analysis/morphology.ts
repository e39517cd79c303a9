/**
 * Binary-mask operations for tissue masks: connected components, hole filling, removing small
 * pieces, dilation, erosion, closing and a 3x3 majority vote. Masks are Uint8Array, 1 = set, row-major.
 */

/**
 * Labels connected components of pixels equal to `value` (8-connected when `diagonal`, else
 * 4-connected). Returns per-pixel labels (0 = other value, components from 1) and per-label
 * area and whether the component touches the image border.
 */
export function components(
  mask: Uint8Array,
  width: number,
  height: number,
  value: 0 | 1,
  diagonal: boolean,
): { labels: Int32Array; areas: number[]; touchesBorder: boolean[] } {
  const labels = new Int32Array(width * height);
  const areas = [0];
  const touchesBorder = [false];
  const stack = new Int32Array(width * height);
  let next = 1;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== value || labels[start] !== 0) continue;
    const label = next++;
    let area = 0;
    let border = false;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top]!;
      area++;
      const x = p % width;
      const y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === 0 && dy === 0) || (!diagonal && dx !== 0 && dy !== 0)) continue;
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] === value && labels[q] === 0) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    areas.push(area);
    touchesBorder.push(border);
  }
  return { labels, areas, touchesBorder };
}

/** Sets background regions enclosed by the mask (not reaching the border) of at most `maxArea` pixels. */
export function fillHoles(mask: Uint8Array, width: number, height: number, maxArea = Infinity): Uint8Array {
  const { labels, areas, touchesBorder } = components(mask, width, height, 0, false);
  const out = mask.slice();
  for (let i = 0; i < out.length; i++) {
    const l = labels[i]!;
    if (l && !touchesBorder[l] && areas[l]! <= maxArea) out[i] = 1;
  }
  return out;
}

/** Clears 8-connected pieces of fewer than `minArea` pixels. */
export function removeSmall(mask: Uint8Array, width: number, height: number, minArea: number): Uint8Array {
  if (minArea <= 1) return mask.slice();
  const { labels, areas } = components(mask, width, height, 1, true);
  const out = mask.slice();
  for (let i = 0; i < out.length; i++) if (out[i] && areas[labels[i]!]! < minArea) out[i] = 0;
  return out;
}

/** Grows the mask by `radius` pixels (square structuring element, done as two 1-D passes). */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(width - 1, x + radius);
      tmp.fill(1, row + x0, row + x1 + 1);
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!tmp[y * width + x]) continue;
      const y0 = Math.max(0, y - radius);
      const y1 = Math.min(height - 1, y + radius);
      for (let yy = y0; yy <= y1; yy++) out[yy * width + x] = 1;
    }
  }
  return out;
}

/** Shrinks the mask by `radius` pixels (pixels beyond the image count as set, so edges do not erode). */
export function erode(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const inv = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) inv[i] = mask[i] ? 0 : 1;
  const grown = dilate(inv, width, height, radius);
  for (let i = 0; i < grown.length; i++) grown[i] = grown[i] ? 0 : 1;
  return grown;
}

/** Dilation then erosion: joins pieces closer than 2 * radius and closes thin gaps (fat cell walls). */
export function close(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return erode(dilate(mask, width, height, radius), width, height, radius);
}

/** 3x3 majority vote (5 of 9, outside pixels counting as unset): smooths ragged, noisy edges. */
export function majority3(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width) n += mask[yy * width + xx]!;
        }
      }
      out[y * width + x] = n >= 5 ? 1 : 0;
    }
  }
  return out;
}
