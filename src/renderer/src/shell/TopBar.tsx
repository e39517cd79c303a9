import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import Toolbar from '@mui/material/Toolbar';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import DarkModeIcon from '@mui/icons-material/DarkMode';
import LightModeIcon from '@mui/icons-material/LightMode';
import SettingsIcon from '@mui/icons-material/Settings';
import { useSettings } from '../settings/SettingsContext';
import { href } from '../router';
import { TessellaMark } from './TessellaMark';

export function TopBar({ onOpenSettings }: { onOpenSettings: () => void }) {
  const { update } = useSettings();
  const mode = useTheme().palette.mode;
  const next = mode === 'dark' ? 'light' : 'dark';
  return (
    <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1, borderBottom: 1, borderColor: 'divider' }}>
      <Toolbar variant="dense" sx={{ gap: 1 }}>
        <Box component="a" href={href.slides()} sx={{ display: 'flex', alignItems: 'center', gap: 1, color: 'inherit', textDecoration: 'none' }}>
          <TessellaMark />
          <Typography variant="h6" component="span" sx={{ fontSize: 17, fontWeight: 700, letterSpacing: 0.2 }}>
            Tessella
          </Typography>
        </Box>
        <Box sx={{ flex: 1 }} />
        <Tooltip title={`Switch to ${next} theme`}>
          <IconButton data-testid="theme-toggle" aria-label={`Switch to ${next} theme`} onClick={() => void update({ theme: next })}>
            {mode === 'dark' ? <LightModeIcon /> : <DarkModeIcon />}
          </IconButton>
        </Tooltip>
        <Tooltip title="Settings">
          <IconButton data-testid="settings-open" aria-label="Settings" onClick={onOpenSettings}>
            <SettingsIcon />
          </IconButton>
        </Tooltip>
      </Toolbar>
    </AppBar>
  );
}
