// `npm run sample -- --load FILE [flags]` (see sample-main.ts, and --help).
import { sampleMain } from "./sample-main";

process.exitCode = await sampleMain(process.argv.slice(2), {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
});
