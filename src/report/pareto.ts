/** Pareto-optimal points when both coordinates are to be minimised (LUTs and latency). */
export interface ParetoPoint {
  /** one series per device */
  series: string;
  label: string;
  x: number;
  y: number;
}

function dominates(a: ParetoPoint, b: ParetoPoint): boolean {
  return a.x <= b.x && a.y <= b.y && (a.x < b.x || a.y < b.y);
}

/** For each point, whether no other point is at least as good in both and better in one. Equal points are all optimal. */
export function paretoFlags(points: readonly ParetoPoint[]): boolean[] {
  return points.map((p) => !points.some((q) => q !== p && dominates(q, p)));
}

export function paretoFront(points: readonly ParetoPoint[]): ParetoPoint[] {
  const flags = paretoFlags(points);
  return points.filter((_, i) => flags[i]).sort((a, b) => a.x - b.x || a.y - b.y || a.label.localeCompare(b.label));
}
