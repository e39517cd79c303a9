/**
 * The dataset the Training form last trained on, kept in this browser's storage: the form offers
 * it again, and never guesses (the newest dataset may well be a half-labelled one).
 */
import { recallText, rememberText } from '../rememberedText';

const KEY = 'tessella.training.datasetId';

export const rememberedDataset = (): string => recallText(KEY);

export const rememberDataset = (id: string): void => rememberText(KEY, id);
