import { useState } from 'react';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import BrokenImageIcon from '@mui/icons-material/BrokenImage';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';

/** The slide's overview image, with a quiet placeholder when it cannot be rendered (file gone, reader missing). */
export function SlideThumbnail({ slideId, name, height = 150 }: { slideId: number; name: string; height?: number }) {
  const [failed, setFailed] = useState(false);
  return (
    <Box
      sx={{
        height,
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        // Glass-slide white in both themes so stains look the same as in the viewer.
        bgcolor: (t) => (t.palette.mode === 'dark' ? '#2a2d33' : '#eceef1'),
        overflow: 'hidden',
      }}
    >
      {failed ? (
        <Box sx={{ textAlign: 'center', color: 'text.disabled' }}>
          <BrokenImageIcon />
          <Typography variant="caption" display="block">
            No preview
          </Typography>
        </Box>
      ) : (
        <Box
          component="img"
          src={resourceUrl(resourcePaths.thumbnail(slideId))}
          alt={`Overview of ${name}`}
          loading="lazy"
          draggable={false}
          onError={() => setFailed(true)}
          sx={{ maxWidth: '100%', maxHeight: '100%', objectFit: 'contain', display: 'block' }}
        />
      )}
    </Box>
  );
}
