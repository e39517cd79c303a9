/**
 * Labels set in Tessella (the labelling grid, accepted suggestions) are marked, so a re-import
 * keeps them instead of resetting them to the folder's (or CSV's) label.
 */
export const up = `
ALTER TABLE images ADD COLUMN label_edited INTEGER NOT NULL DEFAULT 0;
`;
