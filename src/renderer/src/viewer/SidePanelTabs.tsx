/** The tab strip over the open side panel: switches to another panel in place, never beside it. */
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import type { SidePanel } from './sidePanel';

const titles: Record<SidePanel, string> = { annotations: 'Annotations', analysis: 'Analysis', metadata: 'Information' };

export function SidePanelTabs({ panel, onChange }: { panel: SidePanel; onChange: (p: SidePanel) => void }) {
  return (
    <Tabs
      value={panel}
      onChange={(_e, v: SidePanel) => onChange(v)}
      variant="fullWidth"
      sx={{ minHeight: 36, borderBottom: 1, borderColor: 'divider', flexShrink: 0, '& .MuiTab-root': { minHeight: 36, py: 0.5, textTransform: 'none' } }}
      data-testid="side-panel-tabs"
    >
      {(Object.keys(titles) as SidePanel[]).map((p) => (
        <Tab key={p} value={p} label={titles[p]} data-testid={`side-panel-tab-${p}`} />
      ))}
    </Tabs>
  );
}
