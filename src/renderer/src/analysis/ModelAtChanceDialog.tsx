/**
 * The confirm before a slide is analysed with a model whose held-out balanced accuracy is not
 * above chance: its heatmap would look like a result, so the user decides knowingly.
 */
import { AnalyseAnywayDialog, type AnalyseAnywayProps } from './AnalyseAnywayDialog';

export function ModelAtChanceDialog(props: AnalyseAnywayProps) {
  return (
    <AnalyseAnywayDialog
      testId="model-at-chance"
      title="This model does no better than guessing"
      advice="Train it further or pick another model; analyse anyway only to look at what it does."
      {...props}
    />
  );
}
