// The surface picture's arithmetic (src/ui/contours.ts): round contour levels, marching-squares segments that lie
// where the grid crosses the level, and the colour map's ends.

import { expect, test } from "vitest";
import { contourLevels, contourSegments, viridis } from "../../src/ui/contours";

test("contour levels are round steps inside the range", () => {
  expect(contourLevels(0, 10)).toEqual([0, 2, 4, 6, 8]);
  expect(contourLevels(0.3, 31, 8)).toEqual([5, 10, 15, 20, 25, 30]);
  expect(contourLevels(1, 1)).toEqual([]);
});

test("a contour of y = 2x + 10z on a grid lies where the function equals the level", () => {
  // Grid i = 0..10 (x = i), j = 0..4 (z = j / 4).
  const values = Array.from({ length: 5 }, (_, j) =>
    Array.from({ length: 11 }, (_, i) => 2 * i + 10 * (j / 4)),
  );
  const segs = contourSegments(values, 7);
  expect(segs.length).toBeGreaterThan(0);
  for (const [i0, j0, i1, j1] of segs) {
    for (const [i, j] of [
      [i0, j0],
      [i1, j1],
    ] as const)
      expect(2 * i + 10 * (j / 4)).toBeCloseTo(7, 9);
  }
  expect(contourSegments(values, 100)).toEqual([]);
});

test("viridis runs from dark purple to yellow", () => {
  expect(viridis(0)).toEqual([0x44, 0x01, 0x54]);
  expect(viridis(1)).toEqual([0xfd, 0xe7, 0x25]);
  expect(viridis(Number.NaN)).toEqual([0x44, 0x01, 0x54]);
});
