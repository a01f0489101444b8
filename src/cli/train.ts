// `npm run train -- MODEL [flags]` (see train-main.ts, and --help).
import { trainMain } from "./train-main";

process.exitCode = await trainMain(process.argv.slice(2));
