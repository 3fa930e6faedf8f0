/**
 * The look shared by the dialer and the widget, driven by CSS custom properties a host page can
 * set (`--patchbay-accent`, `--patchbay-bg`, `--patchbay-surface`, `--patchbay-fg`,
 * `--patchbay-muted`, `--patchbay-danger`, `--patchbay-ok`, `--patchbay-warn`,
 * `--patchbay-radius`, `--patchbay-font`). Colours meet WCAG AA on their backgrounds; focus is
 * always visible.
 */
import { css } from 'lit';

export const theme = css`
  :host {
    --_accent: var(--patchbay-accent, #0b5fc7);
    --_accent-fg: var(--patchbay-accent-fg, #ffffff);
    --_bg: var(--patchbay-bg, #f4f6f9);
    --_surface: var(--patchbay-surface, #ffffff);
    --_fg: var(--patchbay-fg, #17202c);
    --_muted: var(--patchbay-muted, #55606e);
    --_line: var(--patchbay-line, #d5dae1);
    --_danger: var(--patchbay-danger, #c0262d);
    --_ok: var(--patchbay-ok, #17803b);
    --_warn: var(--patchbay-warn, #9a5800);
    --_radius: var(--patchbay-radius, 12px);
    --_font: var(--patchbay-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-family: var(--_font);
    color: var(--_fg);
    line-height: 1.4;
    -webkit-font-smoothing: antialiased;
  }
  * {
    box-sizing: border-box;
  }
  button,
  input,
  select {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid var(--_line);
    background: var(--_surface);
    border-radius: calc(var(--_radius) * 0.75);
    padding: 0.55em 1em;
    min-height: 44px;
  }
  button:hover:not(:disabled) {
    border-color: var(--_accent);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.5;
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-fg);
    font-weight: 600;
  }
  button.ok {
    background: var(--_ok);
    border-color: var(--_ok);
    color: #fff;
    font-weight: 600;
  }
  button.danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #fff;
    font-weight: 600;
  }
  button[aria-pressed='true'] {
    background: var(--_fg);
    border-color: var(--_fg);
    color: var(--_surface);
  }
  input,
  select {
    border: 1px solid var(--_line);
    border-radius: calc(var(--_radius) * 0.5);
    padding: 0.55em 0.7em;
    background: var(--_surface);
    min-height: 44px;
    width: 100%;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .muted {
    color: var(--_muted);
  }
  .alert {
    border-radius: calc(var(--_radius) * 0.5);
    padding: 0.6em 0.8em;
    border: 1px solid;
    margin: 0.5em 0;
  }
  .alert.error {
    color: var(--_danger);
    border-color: var(--_danger);
    background: color-mix(in srgb, var(--_danger) 7%, var(--_surface));
  }
  .alert.warn {
    color: var(--_warn);
    border-color: var(--_warn);
    background: color-mix(in srgb, var(--_warn) 7%, var(--_surface));
  }
  .alert.info {
    color: var(--_fg);
    border-color: var(--_line);
    background: var(--_bg);
  }
  .pill {
    display: inline-flex;
    align-items: center;
    gap: 0.4em;
    padding: 0.15em 0.7em;
    border-radius: 999px;
    font-size: 0.875em;
    border: 1px solid var(--_line);
    background: var(--_surface);
    white-space: nowrap;
  }
  .dot {
    width: 0.6em;
    height: 0.6em;
    border-radius: 50%;
    background: var(--_muted);
    flex: none;
  }
  .dot.ok {
    background: var(--_ok);
  }
  .dot.warn {
    background: var(--_warn);
  }
  .dot.danger {
    background: var(--_danger);
  }
  @keyframes pulse {
    50% {
      opacity: 0.3;
    }
  }
  .dot.pulse {
    animation: pulse 1s infinite;
  }
  @media (prefers-reduced-motion: reduce) {
    .dot.pulse {
      animation: none;
    }
  }
`;
