export interface Summary {
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number };
}

export function formatSummary(summary: Summary, unit: string): string {
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  return `${f(summary.median)} ${unit} (min ${f(summary.min)}, max ${f(summary.max)})`;
}
