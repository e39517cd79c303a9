/**
 * Label and macro images can show patient names and accession numbers, so when the setting
 * says so they are listed but not loaded at all (not merely blurred), and we say why.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import ButtonBase from '@mui/material/ButtonBase';
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import type { SlideDetail } from '@shared/api';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';
import { useSettings } from '../settings/SettingsContext';

export function isIdentifying(name: string): boolean {
  return /label|macro/i.test(name);
}

function AssociatedThumb({ slideId, name }: { slideId: number; name: string }) {
  const [failed, setFailed] = useState(false);
  const box = { width: 94, height: 94, bgcolor: 'action.hover' } as const;
  if (failed) {
    return (
      <Box sx={{ ...box, display: 'flex', alignItems: 'center', justifyContent: 'center', color: 'text.disabled' }}>
        <Typography variant="caption">Unavailable</Typography>
      </Box>
    );
  }
  return (
    <Box
      component="img"
      src={resourceUrl(resourcePaths.associated(slideId, name))}
      alt={`${name} image`}
      loading="lazy"
      onError={() => setFailed(true)}
      sx={{ ...box, objectFit: 'contain' }}
    />
  );
}

export function AssociatedImages({ slide }: { slide: SlideDetail }) {
  const { settings } = useSettings();
  const [enlarged, setEnlarged] = useState<string | null>(null);
  const names = slide.associatedImages;
  if (names.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        This file has no label, macro or thumbnail images.
      </Typography>
    );
  }
  const hidden = settings.hideLabelImages ? names.filter(isIdentifying) : [];
  const visible = names.filter((n) => !hidden.includes(n));

  return (
    <Box data-testid="associated-images">
      {hidden.length > 0 && (
        <Alert severity="info" variant="outlined" sx={{ mb: 1, py: 0 }} data-testid="associated-hidden-note">
          Hidden: {hidden.join(', ')}. Label and macro images may show patient identifiers; you can show them by turning
          off “Hide label and macro images” in Settings.
        </Alert>
      )}
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
        {visible.map((name) => (
          <ButtonBase
            key={name}
            onClick={() => setEnlarged(name)}
            sx={{ flexDirection: 'column', border: 1, borderColor: 'divider', borderRadius: 1, p: 0.5, width: 104 }}
            aria-label={`Enlarge ${name} image`}
          >
            <AssociatedThumb slideId={slide.id} name={name} />
            <Typography variant="caption">{name}</Typography>
          </ButtonBase>
        ))}
      </Box>
      <Dialog open={enlarged !== null} onClose={() => setEnlarged(null)} maxWidth="md">
        <DialogTitle>{enlarged}</DialogTitle>
        <DialogContent>
          {enlarged && (
            <Box
              component="img"
              src={resourceUrl(resourcePaths.associated(slide.id, enlarged))}
              alt={`${enlarged} image`}
              sx={{ maxWidth: '100%', maxHeight: '70vh', display: 'block', mx: 'auto' }}
            />
          )}
          <Box sx={{ textAlign: 'right', mt: 1 }}>
            <Button onClick={() => setEnlarged(null)}>Close</Button>
          </Box>
        </DialogContent>
      </Dialog>
    </Box>
  );
}
