/**
 * Right-hand panel with everything the file says about itself: a summary, the pyramid levels,
 * associated images and every raw property (searchable, because Aperio and Hamamatsu files
 * carry hundreds).
 */
import { useMemo, useState, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CloseIcon from '@mui/icons-material/Close';
import SearchIcon from '@mui/icons-material/Search';
import type { SlideDetail } from '@shared/api';
import { formatBytes, formatDate, formatDimensions, formatMagnification } from '../format';
import { basePower } from '../slides/magnification';
import { AssociatedImages } from './AssociatedImages';
import { PixelSizeField } from './PixelSizeField';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box sx={{ px: 2, py: 1.5 }}>
      <Typography variant="overline" color="text.secondary" sx={{ lineHeight: 2 }}>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

const cellSx = { py: 0.5, px: 1, fontSize: 12.5, verticalAlign: 'top' } as const;

export function MetadataPanel({ slide, onClose }: { slide: SlideDetail; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const properties = useMemo(() => Object.entries(slide.properties).sort(([a], [b]) => a.localeCompare(b)), [slide.properties]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return properties;
    return properties.filter(([k, v]) => k.toLowerCase().includes(q) || v.toLowerCase().includes(q));
  }, [properties, query]);
  const power = basePower(slide);

  const summary: [string, ReactNode][] = [
    ['Name', slide.name],
    ['Path', slide.path],
    ['Format', slide.vendor && slide.vendor.toLowerCase() !== slide.format.toLowerCase() ? `${slide.format} (${slide.vendor})` : slide.format],
    ['Reader', slide.reader],
    ['Image type', slide.imageType === 'fluorescence' ? 'Fluorescence' : slide.imageType === 'brightfield' ? 'Brightfield' : 'Not yet determined'],
    ...(slide.channels.length ? [['Channels', slide.channels.map((c) => c.name).join(', ')] as [string, string]] : []),
    ['Dimensions', formatDimensions(slide.width, slide.height)],
    ['Pixel size', <PixelSizeField key={slide.id} slide={slide} />],
    [
      'Objective',
      slide.objectivePower ? formatMagnification(slide.objectivePower) : power !== null ? `≈ ${formatMagnification(power)} (from pixel size)` : 'Not recorded',
    ],
    ['File size', formatBytes(slide.fileSize)],
    ['Added', formatDate(slide.addedAt)],
    ['Content hash', slide.contentHash],
  ];

  return (
    <Box
      component="aside"
      data-testid="metadata-panel"
      aria-label="Slide information"
      sx={{
        flex: 1,
        minHeight: 0,
        bgcolor: 'background.paper',
        overflow: 'auto',
      }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', px: 2, pt: 1.5 }}>
        <Typography variant="subtitle1" sx={{ flex: 1, fontWeight: 600 }}>
          Slide information
        </Typography>
        <Tooltip title="Hide (M)">
          <IconButton size="small" onClick={onClose} aria-label="Hide slide information">
            <CloseIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Box>

      <Section title="Summary">
        <Table size="small">
          <TableBody>
            {summary.map(([k, v]) => (
              <TableRow key={k}>
                <TableCell sx={{ ...cellSx, color: 'text.secondary', width: 110, whiteSpace: 'nowrap' }}>{k}</TableCell>
                <TableCell sx={{ ...cellSx, wordBreak: 'break-all' }}>{v}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>
      <Divider />

      <Section title={`Pyramid levels (${slide.levels.length})`}>
        <Table size="small" data-testid="levels-table">
          <TableHead>
            <TableRow>
              <TableCell sx={cellSx}>Level</TableCell>
              <TableCell sx={cellSx}>Size (px)</TableCell>
              <TableCell sx={cellSx} align="right">
                Downsample
              </TableCell>
              {slide.mpp && (
                <TableCell sx={cellSx} align="right">
                  µm/px
                </TableCell>
              )}
            </TableRow>
          </TableHead>
          <TableBody>
            {slide.levels.map((l, i) => (
              <TableRow key={i}>
                <TableCell sx={cellSx}>{i}</TableCell>
                <TableCell sx={{ ...cellSx, fontVariantNumeric: 'tabular-nums' }}>
                  {l.width.toLocaleString('en-US')} × {l.height.toLocaleString('en-US')}
                </TableCell>
                <TableCell sx={{ ...cellSx, fontVariantNumeric: 'tabular-nums' }} align="right">
                  {Number(l.downsample.toFixed(3))}
                </TableCell>
                {slide.mpp && (
                  <TableCell sx={{ ...cellSx, fontVariantNumeric: 'tabular-nums' }} align="right">
                    {(slide.mpp.x * l.downsample).toPrecision(3)}
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>
      <Divider />

      <Section title="Associated images">
        <AssociatedImages slide={slide} />
      </Section>
      <Divider />

      <Section title={`Properties (${properties.length})`}>
        <TextField
          size="small"
          fullWidth
          placeholder="Search properties"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          sx={{ mb: 1 }}
          slotProps={{
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" />
                </InputAdornment>
              ),
            },
            htmlInput: { 'aria-label': 'Search properties', 'data-testid': 'metadata-search' },
          }}
        />
        {shown.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            {properties.length === 0 ? 'This file carries no properties.' : 'No property matches.'}
          </Typography>
        ) : (
          <Table size="small" data-testid="properties-table">
            <TableBody>
              {shown.map(([k, v]) => (
                <TableRow key={k}>
                  <TableCell sx={{ ...cellSx, fontFamily: 'monospace', fontSize: 11.5, color: 'text.secondary', wordBreak: 'break-all', width: '45%' }}>
                    {k}
                  </TableCell>
                  <TableCell sx={{ ...cellSx, fontFamily: 'monospace', fontSize: 11.5, wordBreak: 'break-all' }}>{v}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
    </Box>
  );
}
