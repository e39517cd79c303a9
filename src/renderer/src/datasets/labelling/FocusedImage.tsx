/** The focused image, larger, with everything known about it and its suggestion. */
import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { DatasetImage } from '@shared/contract/datasets';
import { DatasetThumbnail } from '../DatasetThumbnail';

function Row({ name, children }: { name: string; children: ReactNode }) {
  return (
    <Stack direction="row" spacing={1}>
      <Typography variant="caption" color="text.secondary" sx={{ width: 78, flexShrink: 0 }}>
        {name}
      </Typography>
      <Typography variant="caption" sx={{ wordBreak: 'break-all' }}>
        {children}
      </Typography>
    </Stack>
  );
}

export function FocusedImage({ datasetId, image, onAccept }: { datasetId: number; image: DatasetImage; onAccept: () => void }) {
  const p = image.prediction;
  return (
    <Stack spacing={1} data-testid="focused-image">
      <Typography variant="subtitle2">Focused image</Typography>
      <Box sx={{ borderRadius: 1, overflow: 'hidden', alignSelf: 'center' }}>
        <DatasetThumbnail key={image.id} datasetId={datasetId} imageId={image.id} alt={image.path} size={256} />
      </Box>
      <Row name="File">{image.path}</Row>
      <Row name="Label">{image.label ?? '—'}</Row>
      <Row name="Split">{image.split ?? '—'}</Row>
      <Row name="Size">
        {image.width} × {image.height} px{image.mpp ? ` · ${image.mpp} µm/px` : ''}
      </Row>
      {image.group && <Row name="Slide / patient">{image.group}</Row>}
      {image.duplicateOf !== null && <Row name="Duplicate of">image {image.duplicateOf}</Row>}
      {p && (
        <>
          <Row name="Suggestion">
            {p.label} · {(p.confidence * 100).toFixed(1)}% · margin {(p.margin * 100).toFixed(1)} pts
          </Row>
          <Button size="small" variant="outlined" disabled={p.label === image.label} onClick={onAccept} data-testid="accept-suggestion">
            Accept “{p.label}” (Enter)
          </Button>
        </>
      )}
    </Stack>
  );
}
