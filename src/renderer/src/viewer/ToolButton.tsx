/**
 * A small icon button with a tooltip, as the viewer's toolbar and the annotation palette use
 * them: the title is its aria label (with the shortcut appended in the tooltip), `active` marks
 * a mode or panel that is on. Wrapped in a span so the tooltip still shows while disabled.
 */
import type { MouseEvent, ReactNode } from 'react';
import IconButton from '@mui/material/IconButton';
import Tooltip, { type TooltipProps } from '@mui/material/Tooltip';

export function ToolButton({
  title,
  shortcut,
  tooltip,
  testId,
  onClick,
  active,
  disabled,
  placement,
  disableInteractive,
  sx,
  children,
}: {
  title: string;
  shortcut?: string;
  /** The tooltip when it should say more than the title (and shortcut). */
  tooltip?: string;
  testId: string;
  onClick: (e: MouseEvent<HTMLElement>) => void;
  active?: boolean;
  disabled?: boolean;
  placement?: TooltipProps['placement'];
  disableInteractive?: boolean;
  /** Extra plain styles (size, font) for the button. */
  sx?: Record<string, string | number>;
  children: ReactNode;
}) {
  return (
    <Tooltip title={tooltip ?? (shortcut ? `${title} (${shortcut})` : title)} placement={placement} disableInteractive={disableInteractive}>
      <span>
        <IconButton
          size="small"
          aria-label={title}
          aria-pressed={active}
          data-testid={testId}
          onClick={onClick}
          disabled={disabled}
          color={active ? 'primary' : 'default'}
          sx={{ ...sx, ...(active ? { bgcolor: 'action.selected' } : {}) }}
        >
          {children}
        </IconButton>
      </span>
    </Tooltip>
  );
}
