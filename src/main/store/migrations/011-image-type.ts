/**
 * What a slide is, brightfield or fluorescence, and its channels ([{name, color}] as JSON),
 * decided when the slide is added. Slides added before this are null until next opened.
 */
export const up = `
ALTER TABLE slides ADD COLUMN image_type TEXT;
ALTER TABLE slides ADD COLUMN channels_json TEXT;
`;
