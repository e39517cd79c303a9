/**
 * Puts a test id on a select field's visible box (what a user clicks and reads) rather than on
 * MUI's hidden native input, where `htmlInput` props would land.
 */
import type { HTMLAttributes } from 'react';

export function selectTestId(id: string) {
  return { select: { SelectDisplayProps: { 'data-testid': id } as HTMLAttributes<HTMLDivElement> } };
}
