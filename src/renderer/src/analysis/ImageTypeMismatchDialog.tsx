/**
 * The choice before a model runs on a slide of another image type (a brightfield model on a
 * fluorescence slide): its labels would be confident and mean nothing, so the user decides.
 */
import { AnalyseAnywayDialog, type AnalyseAnywayProps } from './AnalyseAnywayDialog';

/** The server's lower-case clause ("slide ... mean nothing there") as a sentence. */
export const asSentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${s.endsWith('.') ? '' : '.'}`;

export function ImageTypeMismatchDialog(props: AnalyseAnywayProps) {
  return (
    <AnalyseAnywayDialog
      testId="image-type-mismatch"
      title="The model was not trained on this kind of image"
      advice="Analyse anyway only to look at what the model does; do not read its labels as results."
      {...props}
    />
  );
}
