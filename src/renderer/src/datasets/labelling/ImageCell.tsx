/**
 * One image of the labelling grid: the thumbnail, its label as a coloured strip, the model's
 * suggestion as a badge (ringed when it disagrees with the label), and selection and focus.
 */
import { memo, type MouseEvent } from 'react';
import Box from '@mui/material/Box';
import Skeleton from '@mui/material/Skeleton';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import type { DatasetImage } from '@shared/contract/datasets';
import { DatasetThumbnail } from '../DatasetThumbnail';

export interface CellColors {
  /** Class name -> colour. */
  [label: string]: string;
}

const STRIP = 22;

export const ImageCell = memo(function ImageCell({
  datasetId,
  index,
  image,
  size,
  selected,
  focused,
  colors,
  onPick,
}: {
  datasetId: number;
  index: number;
  /** Undefined while its details are being fetched. */
  image: DatasetImage | undefined;
  size: number;
  selected: boolean;
  focused: boolean;
  colors: CellColors;
  onPick: (index: number, e: MouseEvent) => void;
}) {
  if (!image) return <Skeleton variant="rectangular" width={size} height={size + STRIP} sx={{ borderRadius: 1 }} />;
  const name = image.path.split(/[\\/]/).pop() ?? image.path;
  const labelColor = image.label ? (colors[image.label] ?? '#888') : 'transparent';
  const p = image.prediction;
  const disagrees = !!p && p.label !== image.label;
  return (
    <Box
      role="gridcell"
      aria-selected={selected}
      data-testid="label-cell"
      data-index={index}
      data-image-id={image.id}
      data-label={image.label ?? ''}
      data-selected={selected ? 'true' : 'false'}
      data-focused={focused ? 'true' : 'false'}
      title={`${name}${image.split ? ` · ${image.split}` : ''}${p ? ` · model: ${p.label} ${Math.round(p.confidence * 100)}%` : ''}`}
      onMouseDown={(e) => e.preventDefault() /* keep keyboard focus on the grid, and no text selection on shift-click */}
      onClick={(e) => onPick(index, e)}
      sx={{
        position: 'relative',
        width: size,
        height: size + STRIP,
        borderRadius: 1,
        overflow: 'hidden',
        cursor: 'pointer',
        bgcolor: 'background.paper',
        outline: selected ? 3 : focused ? 2 : 1,
        outlineStyle: focused && !selected ? 'dashed' : 'solid',
        outlineColor: selected || focused ? 'primary.main' : 'divider',
        outlineOffset: selected ? -3 : -1,
      }}
    >
      <DatasetThumbnail key={image.id} datasetId={datasetId} imageId={image.id} alt={name} size={size} testId="label-thumb" />
      {selected && (
        <CheckCircleIcon fontSize="small" sx={{ position: 'absolute', top: 4, left: 4, color: 'primary.main', bgcolor: 'background.paper', borderRadius: '50%' }} />
      )}
      {p && (
        <Box
          data-testid="label-suggestion"
          sx={{
            position: 'absolute',
            top: 4,
            right: 4,
            display: 'flex',
            alignItems: 'center',
            gap: 0.5,
            px: 0.75,
            height: 18,
            borderRadius: 9,
            fontSize: 11,
            lineHeight: 1,
            bgcolor: 'rgba(0,0,0,0.62)',
            color: '#fff',
            boxShadow: disagrees ? '0 0 0 2px #ffb300' : undefined,
          }}
        >
          <Box sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: colors[p.label] ?? '#888', flexShrink: 0 }} />
          {Math.round(p.confidence * 100)}%
        </Box>
      )}
      <Box
        sx={{
          height: STRIP,
          display: 'flex',
          alignItems: 'center',
          gap: 0.75,
          px: 0.75,
          fontSize: 12,
          borderTop: 4,
          borderTopColor: labelColor,
          color: image.label ? 'text.primary' : 'text.disabled',
          fontStyle: image.label ? 'normal' : 'italic',
          whiteSpace: 'nowrap',
          overflow: 'hidden',
          textOverflow: 'ellipsis',
        }}
      >
        {image.label ?? 'no label'}
      </Box>
    </Box>
  );
});

export const CELL_STRIP = STRIP;
