/** Datasets of labelled patches (issue: fine-tuning on local folders). */
export const datasetCalls = {} as const;
