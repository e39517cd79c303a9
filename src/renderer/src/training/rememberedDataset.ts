/**
 * The dataset the Training form last trained on, kept in this browser's storage: the form offers
 * it again, and never guesses (the newest dataset may well be a half-labelled one).
 */
const KEY = 'tessella.training.datasetId';

export function rememberedDataset(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return ''; // storage disabled: the user chooses each time
  }
}

export function rememberDataset(id: string): void {
  try {
    if (id) localStorage.setItem(KEY, id);
  } catch {
    // storage disabled: nothing to remember with
  }
}
