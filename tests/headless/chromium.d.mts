export const CHROMIUM_CANDIDATES: string[];
export function findChromium(): string | null;
