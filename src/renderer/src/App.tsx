import { lazy, Suspense, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import CssBaseline from '@mui/material/CssBaseline';
import Toolbar from '@mui/material/Toolbar';
import useMediaQuery from '@mui/material/useMediaQuery';
import { ThemeProvider } from '@mui/material/styles';
import { makeTheme } from './theme';
import { useRoute } from './router';
import { SettingsProvider, useSettings } from './settings/SettingsContext';
import { SettingsDialog } from './settings/SettingsDialog';
import { NavDrawer } from './shell/NavDrawer';
import { TopBar } from './shell/TopBar';
import { ModelsPage } from './models/ModelsPage';
import { NotFoundPage } from './shell/PlaceholderPages';
import { SlidesPage } from './slides/SlidesPage';
import { DatasetsPage } from './datasets/DatasetsPage';
import { DatasetDetailPage } from './datasets/DatasetDetailPage';
import { LabellingPage } from './datasets/labelling/LabellingPage';
import { RunsPage } from './runs/RunsPage';
import { RunDetailPage } from './runs/RunDetailPage';
import { CompareRunsPage } from './runs/CompareRunsPage';
import { ReportsPage } from './reports/ReportsPage';
import { CohortsPage } from './cohorts/CohortsPage';

// OpenSeadragon is most of the viewer's weight; the library page should not wait for it.
const ViewerPage = lazy(() => import('./viewer/ViewerPage').then((m) => ({ default: m.ViewerPage })));
// The training form validates with the contract's zod schemas; only that page needs zod.
const TrainingPage = lazy(() => import('./training/TrainingPage').then((m) => ({ default: m.TrainingPage })));

export function App() {
  return (
    <SettingsProvider>
      <ThemedApp />
    </SettingsProvider>
  );
}

function ThemedApp() {
  const { settings, loadError } = useSettings();
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)');
  const mode = settings.theme === 'system' ? (prefersDark ? 'dark' : 'light') : settings.theme;
  const theme = useMemo(() => makeTheme(mode), [mode]);
  const route = useRoute();
  const [settingsOpen, setSettingsOpen] = useState(false);

  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <Box sx={{ display: 'flex', height: '100vh', overflow: 'hidden' }}>
        <TopBar onOpenSettings={() => setSettingsOpen(true)} />
        <NavDrawer route={route} />
        <Box component="main" sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
          <Toolbar variant="dense" />
          {loadError && (
            <Alert severity="error" sx={{ m: 2 }}>
              Tessella could not talk to its backend: {loadError}
            </Alert>
          )}
          <Box sx={{ flex: 1, minHeight: 0, position: 'relative' }}>
            {route.page === 'slides' && <SlidesPage />}
            {/* Keyed so switching slides builds a fresh viewer instead of patching the old one. */}
            {route.page === 'viewer' && (
              <Suspense fallback={null}>
                <ViewerPage key={route.slideId} slideId={route.slideId} />
              </Suspense>
            )}
            {route.page === 'datasets' && <DatasetsPage />}
            {route.page === 'dataset' && <DatasetDetailPage key={route.datasetId} datasetId={route.datasetId} />}
            {route.page === 'labelling' && <LabellingPage key={route.datasetId} datasetId={route.datasetId} />}
            {route.page === 'training' && (
              <Suspense fallback={null}>
                <TrainingPage />
              </Suspense>
            )}
            {route.page === 'runs' && <RunsPage />}
            {route.page === 'run' && <RunDetailPage key={route.runId} runId={route.runId} />}
            {route.page === 'runs-compare' && <CompareRunsPage key={route.runIds.join(',')} runIds={route.runIds} />}
            {route.page === 'reports' && <ReportsPage />}
            {route.page === 'models' && <ModelsPage />}
            {route.page === 'cohorts' && <CohortsPage />}
            {route.page === 'not-found' && <NotFoundPage path={route.hash} />}
          </Box>
        </Box>
      </Box>
      <SettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} />
    </ThemeProvider>
  );
}
