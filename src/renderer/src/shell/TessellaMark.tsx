/** The app's mark: a 2×2 tessellation of tiles, one stained, drawn inline so no asset is fetched. */
export function TessellaMark({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <rect x="2" y="2" width="9" height="9" rx="2" fill="#a4346e" />
      <rect x="13" y="2" width="9" height="9" rx="2" fill="currentColor" opacity="0.35" />
      <rect x="2" y="13" width="9" height="9" rx="2" fill="currentColor" opacity="0.35" />
      <rect x="13" y="13" width="9" height="9" rx="2" fill="#3b4a9c" />
    </svg>
  );
}
