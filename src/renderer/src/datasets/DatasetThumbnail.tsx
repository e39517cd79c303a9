/** A dataset image's server-made JPEG (≤256 px), with a quiet placeholder if the file is gone. */
import { memo, useState } from 'react';
import Box from '@mui/material/Box';
import BrokenImageOutlinedIcon from '@mui/icons-material/BrokenImageOutlined';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';

export const DatasetThumbnail = memo(function DatasetThumbnail({
  datasetId,
  imageId,
  alt,
  size,
  testId,
}: {
  datasetId: number;
  imageId: number;
  alt: string;
  size: number;
  testId?: string;
}) {
  const [failed, setFailed] = useState(false);
  if (failed) {
    return (
      <Box
        title={`${alt} could not be read`}
        sx={{ width: size, height: size, display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'action.hover', color: 'text.disabled' }}
      >
        <BrokenImageOutlinedIcon />
      </Box>
    );
  }
  return (
    <img
      src={resourceUrl(resourcePaths.datasetImage(datasetId, imageId))}
      alt={alt}
      width={size}
      height={size}
      draggable={false}
      decoding="async"
      data-testid={testId}
      onError={() => setFailed(true)}
      style={{ width: size, height: size, objectFit: 'cover', display: 'block' }}
    />
  );
});
