// `npm run train -- MODEL [flags]` (see train-cli.ts, and --help).
import { trainMain } from "./train-cli";

process.exitCode = await trainMain(process.argv.slice(2));
