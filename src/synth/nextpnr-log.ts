/**
 * What a failed place and route ran out of. nextpnr prints its utilisation table before it
 * places ("Info: \t ICESTORM_LC: 10746/ 5280   203%") and then fails on the first cell it cannot
 * place; the table, not the error, says how far the design is from fitting.
 */
export interface OverUse {
  cell: string;
  used: number;
  available: number;
}

export function overUtilised(log: string): OverUse[] {
  const out: OverUse[] = [];
  for (const m of log.matchAll(/^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+\d+%\s*$/gm)) {
    const [used, available] = [Number(m[2]), Number(m[3])];
    if (used > available) out.push({ cell: m[1]!, used, available });
  }
  return out;
}

export function overUseText(o: OverUse[]): string {
  return o.map((x) => `${x.cell} ${x.used}/${x.available} (${Math.round((100 * x.used) / x.available)} %)`).join(', ');
}
