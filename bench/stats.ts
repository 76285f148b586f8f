/** Small statistics for noisy machines: report medians, never single runs or means. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * The sentence under a table that sets a CLI figure beside the CLI's own floor
 * (bench/cli-floor.ts): what the command costs against a server that answers at
 * once, as a share of the reference's figure, and what is left of berth's above it.
 */
export function floorLine(what: string, floorMs: number, berthMs: number, refMs: number | null): string[] {
  const share = refMs ? ` (${fmt(floorMs / refMs, 2)}× dockerd's ${fmt(refMs)} ms)` : '';
  // Measured once, after both daemons: berth's own figure, minutes earlier, can land on either side of it.
  const berthSide = berthMs >= floorMs
    ? `berth's figure is ${fmt(berthMs - floorMs)} ms above it`
    : `berth's figure, measured minutes earlier, is ${fmt(floorMs - berthMs)} ms below it: at the floor, within this machine's noise`;
  return [
    `The CLI's floor for ${what}: ${fmt(floorMs)} ms against a stub API server that answers every request ` +
      `the moment it has read it${share}; ${berthSide}. ` +
      'No daemon can be measured below this floor through the CLI on this machine, give or take that noise.',
  ];
}
