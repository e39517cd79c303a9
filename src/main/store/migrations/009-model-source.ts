/**
 * Where a registered model came from, when not a folder the user imported: a model pulled from
 * the Hugging Face Hub keeps {repo, revision, commit} here, so the list can say which revision a
 * folder is and `--model org/name` finds it again.
 */
export const up = `
ALTER TABLE models ADD COLUMN source_json TEXT;
`;
