// `npm run export -- --load WEIGHTS.json --out FILE.safetensors` (see export.ts, and --help).
import { exportMain } from "./export";

process.exitCode = await exportMain(process.argv.slice(2));
