// What <wb-surface> draws, as plain functions: the viridis colour map, round contour levels, and the contour
// segments of a grid (marching squares).

const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}

/** Viridis at t ∈ [0, 1], as an [r, g, b] triple. */
export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const a = hex(VIRIDIS[i]!);
  const b = hex(VIRIDIS[i + 1]!);
  const f = u - i;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** Round contour levels (1, 2 or 5 × 10ⁿ apart) inside [lo, hi], about `n` of them. */
export function contourLevels(lo: number, hi: number, n = 8): number[] {
  if (!(hi > lo)) return [];
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v < hi; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Line segments where the grid crosses `level` (marching squares), in grid coordinates (i, j). */
export function contourSegments(values: number[][], level: number): [number, number, number, number][] {
  const segs: [number, number, number, number][] = [];
  for (let j = 0; j + 1 < values.length; j++) {
    for (let i = 0; i + 1 < values[j]!.length; i++) {
      // Corners counter-clockwise from (i, j); edge crossings by linear interpolation.
      const c = [values[j]![i]!, values[j]![i + 1]!, values[j + 1]![i + 1]!, values[j + 1]![i]!];
      const p: [number, number][] = [
        [i, j],
        [i + 1, j],
        [i + 1, j + 1],
        [i, j + 1],
      ];
      const cross: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const a = c[e]!;
        const b = c[(e + 1) % 4]!;
        if (a < level !== b < level && Number.isFinite(a) && Number.isFinite(b)) {
          const t = (level - a) / (b - a);
          const [x0, y0] = p[e]!;
          const [x1, y1] = p[(e + 1) % 4]!;
          cross.push([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]);
        }
      }
      if (cross.length >= 2) segs.push([cross[0]![0], cross[0]![1], cross[1]![0], cross[1]![1]]);
      if (cross.length === 4) segs.push([cross[2]![0], cross[2]![1], cross[3]![0], cross[3]![1]]);
    }
  }
  return segs;
}
