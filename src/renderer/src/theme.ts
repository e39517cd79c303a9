/**
 * The MUI theme. System fonts only: the hosts' CSP forbids remote fonts and a bundled
 * Roboto buys nothing for a desktop tool. Colours lean neutral so stains read true.
 */
import { createTheme, type Theme } from '@mui/material/styles';

const systemFonts = [
  'system-ui',
  '-apple-system',
  '"Segoe UI"',
  '"Helvetica Neue"',
  'Ubuntu',
  'Cantarell',
  '"Noto Sans"',
  'Arial',
  'sans-serif',
].join(',');

export function makeTheme(mode: 'light' | 'dark'): Theme {
  return createTheme({
    palette: {
      mode,
      primary: { main: mode === 'light' ? '#3b4a9c' : '#9fa8ff' },
      secondary: { main: mode === 'light' ? '#a4346e' : '#f48fb1' },
      background: mode === 'light' ? { default: '#f5f6f8', paper: '#ffffff' } : { default: '#111317', paper: '#1a1d23' },
    },
    typography: {
      fontFamily: systemFonts,
      button: { textTransform: 'none', fontWeight: 600 },
    },
    shape: { borderRadius: 8 },
    components: {
      MuiAppBar: { defaultProps: { elevation: 0, color: 'default' } },
      MuiTooltip: { defaultProps: { arrow: true } },
    },
  });
}
