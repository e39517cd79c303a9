import type { SxProps, Theme } from '@mui/material/styles';

/** Translucent chips drawn over the slide; readable over both pale tissue and dark background. */
export const overlayChipSx = {
  px: 1,
  py: 0.5,
  borderRadius: 1,
  bgcolor: (t: Theme) => (t.palette.mode === 'dark' ? 'rgba(20,22,26,0.78)' : 'rgba(255,255,255,0.85)'),
  color: 'text.primary',
  boxShadow: 1,
  pointerEvents: 'none',
  userSelect: 'none',
} satisfies SxProps<Theme>;

/** Behind the slide and in the navigator: neutral, darker than tissue so slide edges read clearly. */
export function viewerBackground(mode: 'light' | 'dark'): string {
  return mode === 'dark' ? '#0c0d0f' : '#d9dce1';
}
