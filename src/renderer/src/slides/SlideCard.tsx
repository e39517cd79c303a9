import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardActionArea from '@mui/material/CardActionArea';
import Chip from '@mui/material/Chip';
import IconButton from '@mui/material/IconButton';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import DeleteIcon from '@mui/icons-material/Delete';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import type { SlideSummary } from '@shared/api';
import { formatBytes, formatDimensions, formatMagnification, formatMpp, formatPixelSize } from '../format';
import { href } from '../router';
import { basePower } from './magnification';
import { SlideThumbnail } from './SlideThumbnail';

export function SlideCard({ slide, onRemove }: { slide: SlideSummary; onRemove: (slide: SlideSummary) => void }) {
  const mpp = formatMpp(slide.mpp);
  const power = basePower(slide);
  return (
    <Card variant="outlined" data-testid="slide-card" data-slide-id={slide.id} sx={{ position: 'relative', display: 'flex', flexDirection: 'column' }}>
      <CardActionArea href={href.viewer(slide.id)} sx={{ flex: 1, display: 'flex', flexDirection: 'column', alignItems: 'stretch' }}>
        <SlideThumbnail slideId={slide.id} name={slide.name} />
        <Box sx={{ p: 1.5, pr: 5 }}>
          <Tooltip title={slide.path} placement="bottom-start" enterDelay={600}>
            <Typography variant="subtitle2" noWrap data-testid="slide-name">
              {slide.name}
            </Typography>
          </Tooltip>
          <Typography variant="body2" color="text.secondary" noWrap>
            {[slide.vendor ?? slide.format, formatBytes(slide.fileSize)].join(' · ')}
          </Typography>
          <Typography variant="body2" color="text.secondary" noWrap>
            {formatDimensions(slide.width, slide.height)}
          </Typography>
          <Stack direction="row" spacing={0.5} sx={{ mt: 1, flexWrap: 'wrap', rowGap: 0.5 }}>
            {power !== null && (
              <Chip
                size="small"
                label={formatMagnification(power)}
                title={slide.objectivePower ? 'Scanner objective' : 'Estimated from pixel size'}
              />
            )}
            {mpp ? (
              <Chip
                size="small"
                variant="outlined"
                color={slide.mppSource === 'user' ? 'info' : 'default'}
                label={slide.mppSource === 'user' ? formatPixelSize(slide) : mpp}
                title={slide.mppSource === 'user' ? 'Typed in by a user; the file records no pixel size or a different one' : 'Recorded by the scanner in the file'}
                data-testid="slide-mpp"
                data-mpp-source={slide.mppSource ?? ''}
              />
            ) : (
              <Chip size="small" variant="outlined" label="No pixel size" data-testid="slide-mpp" data-mpp-source="" />
            )}
            <Chip size="small" variant="outlined" label={`${slide.levelCount} level${slide.levelCount === 1 ? '' : 's'}`} />
            {slide.imageType === 'fluorescence' && (
              <Chip
                size="small"
                variant="outlined"
                label={slide.channels.length > 1 ? `Fluorescence · ${slide.channels.length} channels` : 'Fluorescence'}
                data-testid="slide-fluorescence"
              />
            )}
            {!slide.available && (
              <Chip size="small" color="warning" icon={<WarningAmberIcon />} label="File missing" data-testid="slide-missing" />
            )}
          </Stack>
        </Box>
      </CardActionArea>
      <Tooltip title="Remove from library">
        <IconButton
          size="small"
          aria-label={`Remove ${slide.name} from library`}
          data-testid="slide-remove"
          onClick={() => onRemove(slide)}
          sx={{ position: 'absolute', right: 6, bottom: 6 }}
        >
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Card>
  );
}
