/** Plain-text tables for benchmark output: padded columns, numbers right-aligned. */

export type Cell = string | number | null;

/** Formats a number for a table: ≥ 100 without decimals, else 3 significant digits; null → '—'. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** Renders rows under headers; columns listed in `right` are right-aligned. */
export function formatTable(headers: string[], rows: Cell[][], right: number[] = []): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '—' : typeof c === 'number' ? num(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}
