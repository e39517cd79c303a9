/** What a typed-in URL shows for sections that do not exist (yet). */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { href } from '../router';

function Message({ title, body }: { title: string; body: string }) {
  return (
    <Box sx={{ p: 6, textAlign: 'center', color: 'text.secondary' }}>
      <Typography variant="h5" color="text.primary" gutterBottom>
        {title}
      </Typography>
      <Typography sx={{ mb: 3 }}>{body}</Typography>
      <Button variant="outlined" href={href.slides()}>
        Go to slides
      </Button>
    </Box>
  );
}

const sectionNames = { datasets: 'Datasets' } as const;

export function NotBuiltPage({ section }: { section: keyof typeof sectionNames }) {
  return <Message title={`${sectionNames[section]} is not built yet`} body="This part of Tessella is planned but not available in this version." />;
}

export function NotFoundPage({ path }: { path: string }) {
  return <Message title="Page not found" body={`Nothing lives at “${path}”.`} />;
}
