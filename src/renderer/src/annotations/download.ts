/** Saves text as a file the way a browser does, which Electron turns into a save dialog. */

/** "CMU-1.svs" → "CMU-1.geojson": the export is named after the slide, not after its format. */
export function geojsonFileName(slideName: string): string {
  const base = slideName.replace(/\.[A-Za-z0-9]{1,6}$/, '') || 'annotations';
  return `${base}.geojson`;
}

export function downloadText(text: string, fileName: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has taken its copy once click() returns; a later revoke just frees the memory.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
