/**
 * Left navigation. A section not built yet is still listed so users see where the app is going,
 * but disabled and saying so rather than leading to an empty page.
 */
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Drawer from '@mui/material/Drawer';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Toolbar from '@mui/material/Toolbar';
import Tooltip from '@mui/material/Tooltip';
import PhotoLibraryIcon from '@mui/icons-material/PhotoLibrary';
import DatasetIcon from '@mui/icons-material/Dataset';
import ModelTrainingIcon from '@mui/icons-material/ModelTraining';
import TimelineIcon from '@mui/icons-material/Timeline';
import AssessmentIcon from '@mui/icons-material/Assessment';
import HubIcon from '@mui/icons-material/Hub';
import GroupWorkIcon from '@mui/icons-material/GroupWork';
import type { ReactNode } from 'react';
import { href, type Route } from '../router';

export const navWidth = 248;
/** On the viewer the slide needs the room: the sections shrink to their icons. */
export const compactNavWidth = 60;

interface NavItem {
  key: string;
  label: string;
  icon: ReactNode;
  href: string;
  built: boolean;
  active: (route: Route) => boolean;
}

const items: NavItem[] = [
  {
    key: 'slides',
    label: 'Slides',
    icon: <PhotoLibraryIcon />,
    href: href.slides(),
    built: true,
    active: (r) => r.page === 'slides' || r.page === 'viewer',
  },
  {
    key: 'datasets',
    label: 'Datasets',
    icon: <DatasetIcon />,
    href: href.page('datasets'),
    built: true,
    active: (r) => r.page === 'datasets' || r.page === 'dataset' || r.page === 'labelling',
  },
  { key: 'training', label: 'Training', icon: <ModelTrainingIcon />, href: href.page('training'), built: true, active: (r) => r.page === 'training' },
  {
    key: 'runs',
    label: 'Runs',
    icon: <TimelineIcon />,
    href: href.page('runs'),
    built: true,
    active: (r) => r.page === 'runs' || r.page === 'run' || r.page === 'runs-compare',
  },
  { key: 'models', label: 'Models', icon: <HubIcon />, href: href.page('models'), built: true, active: (r) => r.page === 'models' },
  { key: 'cohorts', label: 'Cohorts', icon: <GroupWorkIcon />, href: href.page('cohorts'), built: true, active: (r) => r.page === 'cohorts' },
  { key: 'reports', label: 'Reports', icon: <AssessmentIcon />, href: href.page('reports'), built: true, active: (r) => r.page === 'reports' },
];

export function NavDrawer({ route }: { route: Route }) {
  const compact = route.page === 'viewer';
  const width = compact ? compactNavWidth : navWidth;
  return (
    <Drawer
      variant="permanent"
      data-compact={compact ? 'true' : 'false'}
      sx={{
        width,
        flexShrink: 0,
        '& .MuiDrawer-paper': { width, boxSizing: 'border-box', borderRight: 1, borderColor: 'divider', overflowX: 'hidden' },
      }}
    >
      <Toolbar variant="dense" />
      <List component="nav" aria-label="Sections" sx={{ px: 1 }}>
        {items.map((item) =>
          item.built ? (
            <Tooltip key={item.key} title={compact ? item.label : ''} placement="right">
              <ListItemButton
                component="a"
                href={item.href}
                selected={item.active(route)}
                data-testid={`nav-${item.key}`}
                aria-label={item.label}
                sx={{ borderRadius: 1, mb: 0.5, ...(compact ? { px: 1.25 } : {}) }}
              >
                <ListItemIcon sx={{ minWidth: 36 }}>{item.icon}</ListItemIcon>
                {!compact && <ListItemText primary={item.label} />}
              </ListItemButton>
            </Tooltip>
          ) : (
            // A disabled button swallows pointer events, so the tooltip hangs on a wrapper.
            <Tooltip key={item.key} title={`${item.label} is not built yet`} placement="right">
              <Box component="span" sx={{ display: 'block' }}>
                <ListItemButton disabled data-testid={`nav-${item.key}`} sx={{ borderRadius: 1, mb: 0.5 }}>
                  <ListItemIcon sx={{ minWidth: 36 }}>{item.icon}</ListItemIcon>
                  <ListItemText primary={item.label} sx={{ minWidth: 0 }} />
                  <Chip label="Not built yet" size="small" variant="outlined" sx={{ height: 20, fontSize: 10, flexShrink: 0, ml: 1 }} />
                </ListItemButton>
              </Box>
            </Tooltip>
          ),
        )}
      </List>
    </Drawer>
  );
}
