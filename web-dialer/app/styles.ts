/** Layout of the full dialer: header, two columns from 760 px, one column down to 360 px. */
import { css } from 'lit';

export const appStyles = css`
  :host {
    display: block;
    min-height: 100vh;
    background: var(--_bg);
  }
  .logo {
    display: inline-block;
    width: 1.1em;
    height: 1.1em;
    margin-right: 0.4em;
    vertical-align: -0.15em;
    border-radius: 30%;
    background: linear-gradient(135deg, var(--_accent), color-mix(in srgb, var(--_accent) 50%, #19c3a6));
  }
  .card {
    background: var(--_surface);
    border: 1px solid var(--_line);
    border-radius: var(--_radius);
    padding: 1em;
  }
  h1 {
    font-size: 1.5em;
    margin: 0 0 0.3em;
  }
  h2 {
    font-size: 1.1em;
    margin: 0 0 0.5em;
  }
  label {
    display: block;
    font-weight: 600;
    margin: 0.8em 0 0.3em;
    font-size: 0.9em;
  }
  label.check {
    display: flex;
    gap: 0.5em;
    align-items: center;
    font-weight: normal;
  }
  label.check input {
    width: auto;
    min-height: auto;
  }
  .sign-in {
    display: grid;
    place-items: center;
    min-height: 100vh;
    padding: 1em;
  }
  .sign-in form {
    width: min(24em, 100%);
  }
  .sign-in button[type='submit'] {
    width: 100%;
    margin-top: 1em;
  }
  header.top {
    display: flex;
    align-items: center;
    gap: 0.75em;
    padding: 0.6em 1em;
    background: var(--_surface);
    border-bottom: 1px solid var(--_line);
    position: sticky;
    top: 0;
    z-index: 1;
    flex-wrap: wrap;
  }
  .brand {
    font-weight: 700;
    font-size: 1.1em;
  }
  .spacer {
    flex: 1;
  }
  header + .alert {
    margin: 0.75em 1em 0;
  }
  .layout {
    display: grid;
    gap: 1em;
    padding: 1em;
    max-width: 64em;
    margin: 0 auto;
    grid-template-columns: 1fr;
  }
  @media (min-width: 760px) {
    .layout {
      grid-template-columns: minmax(20em, 26em) 1fr;
      align-items: start;
    }
  }
  .side {
    display: grid;
    gap: 1em;
  }
  .number-row {
    display: flex;
    gap: 0.5em;
    margin-bottom: 0.8em;
  }
  .number {
    font-size: 1.4em;
    text-align: center;
    letter-spacing: 0.03em;
  }
  .clear {
    flex: none;
    width: 3em;
  }
  .call-button,
  .wide {
    width: 100%;
    margin-top: 0.8em;
  }
  .call-button {
    font-size: 1.1em;
  }
  .settings {
    margin-top: 1em;
    border-top: 1px solid var(--_line);
    padding-top: 0.6em;
  }
  .settings summary {
    cursor: pointer;
    padding: 0.4em 0;
    font-weight: 600;
  }
  .settings button {
    margin-top: 0.8em;
  }
  .settings .meter-row {
    margin-top: 0.6em;
  }
  .incoming,
  .in-call {
    text-align: center;
  }
  .incoming h2,
  .in-call h2 {
    font-size: 1em;
    color: var(--_muted);
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.06em;
  }
  .peer {
    font-size: 1.6em;
    font-weight: 700;
    margin: 0.2em 0;
    word-break: break-all;
  }
  .peer-name + .peer-number {
    font-size: 0.6em;
    color: var(--_muted);
    display: block;
    font-weight: 400;
  }
  .answer-row {
    display: grid;
    grid-template-columns: 1fr 1fr;
    gap: 0.75em;
    margin-top: 1.5em;
  }
  .answer-row button {
    min-height: 3.4em;
    font-size: 1.1em;
  }
  .timer {
    font-size: 1.3em;
    font-variant-numeric: tabular-nums;
    margin: 0.2em 0;
  }
  .hold-state {
    min-height: 1.4em;
    color: var(--_warn);
    font-weight: 600;
    margin: 0.2em 0 0.8em;
  }
  .in-call-keypad {
    margin-top: 1em;
  }
  .transfer {
    text-align: left;
    margin-top: 0.8em;
  }
  .levels {
    display: grid;
    gap: 0.4em;
    margin: 1em 0 0.6em;
    text-align: left;
  }
  .list {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .list li {
    display: flex;
    align-items: center;
    gap: 0.6em;
    padding: 0.35em 0;
    border-bottom: 1px solid var(--_line);
  }
  .list li:last-child {
    border-bottom: 0;
  }
  .grow {
    flex: 1;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  button.small {
    min-height: 36px;
    padding: 0.3em 0.8em;
  }
  .small-text {
    font-size: 0.8em;
  }
  .dir {
    width: 1.2em;
    text-align: center;
    color: var(--_ok);
    font-weight: 700;
  }
  .dir.unanswered {
    color: var(--_danger);
  }
`;
