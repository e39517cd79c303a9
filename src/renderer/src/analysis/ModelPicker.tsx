/** A model: pick a registered one or a built-in name, or type a checkpoint folder path. */
import Autocomplete from '@mui/material/Autocomplete';
import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { qualityLine, useModels, type ModelOption } from './useModels';

export function ModelPicker({ value, onChange, testId = 'analysis-model' }: { value: string; onChange: (ref: string) => void; testId?: string }) {
  const { options, error } = useModels();
  const known = options.find((o) => o.ref === value);
  return (
    <Autocomplete<ModelOption, false, false, true>
      freeSolo
      size="small"
      options={options}
      groupBy={(o) => o.group}
      getOptionLabel={(o) => (typeof o === 'string' ? o : o.ref)}
      filterOptions={(list, { inputValue }) => {
        const q = inputValue.trim().toLowerCase();
        return list.filter((o) => o.ref.toLowerCase().includes(q) || o.title.toLowerCase().includes(q));
      }}
      inputValue={value}
      onInputChange={(_e, v) => onChange(v)}
      onChange={(_e, v) => onChange(typeof v === 'string' ? v : (v?.ref ?? ''))}
      renderOption={({ key, ...props }, o) => (
        <Box component="li" key={key} {...props} sx={{ display: 'block !important' }}>
          <Typography variant="body2">{o.title}</Typography>
          <Typography variant="caption" color="text.secondary" component="div" noWrap>
            {o.group === 'Registered models' ? o.ref : o.detail}
          </Typography>
          {o.group === 'Registered models' && (
            <Typography variant="caption" color={o.quality?.atChance ? 'warning.main' : 'text.secondary'} component="div" data-testid="model-option-quality">
              {qualityLine(o.quality, o.trainedMpp)}
            </Typography>
          )}
        </Box>
      )}
      renderInput={(params) => (
        <TextField
          {...params}
          label="Model"
          placeholder="Checkpoint folder or built-in name"
          helperText={
            error
              ? `Registered models unavailable (${error}); type a checkpoint folder.`
              : known
                ? known.group === 'Registered models'
                  ? `${known.detail} · ${qualityLine(known.quality, known.trainedMpp)}`
                  : known.detail
                : 'A registered model, a built-in name, or a checkpoint folder path'
          }
          slotProps={{ htmlInput: { ...params.inputProps, 'data-testid': testId } }}
        />
      )}
    />
  );
}
