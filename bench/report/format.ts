/** Number formatting for the table: a few significant digits, units a reader expects. */

export function fmtEntries(n: number | null): string {
  if (n === null) return '';
  const exp = Math.log10(n);
  return Number.isInteger(exp) && n >= 1000 ? `1e${exp}` : n.toLocaleString('en-US');
}

export function fmtValue(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return '—';
  switch (unit) {
    case 'bytes':
      return fmtBytes(v);
    case 'ms':
      return `${sig(v)} ms`;
    case 'ns':
      return `${sig(v)} ns`;
    case 'us':
      return `${sig(v)} µs`;
    default:
      return `${sig(v)} ${unit}`;
  }
}

export function fmtBytes(v: number): string {
  if (v >= 2 ** 30) return `${sig(v / 2 ** 30)} GiB`;
  if (v >= 2 ** 20) return `${sig(v / 2 ** 20)} MiB`;
  if (v >= 2 ** 10) return `${sig(v / 2 ** 10)} KiB`;
  return `${v} B`;
}

export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '—';
  return r >= 0.995 ? `${sig(r)}×` : `${sig(r)}× (${sig(1 / r)}× less)`;
}

/** Three significant digits, no exponent notation for the ranges the bench produces. */
export function sig(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return v.toFixed(digits);
}
