// Makes sure the GPU tests can run: a Chromium with SwiftShader (Debian's `chromium` package) must exist.
// As root with apt-get it is installed; otherwise this stops with the exact command to run. Never a silent pass.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { findChromium } from "./chromium.mjs";

if (!existsSync(new URL("../../node_modules/vite", import.meta.url))) {
  console.error("node_modules is missing: run `npm install` first.");
  process.exit(1);
}

// `npm start` only needs the packages: the user's own browser opens the workbench.
const needBrowser = !process.argv.includes("--no-browser");

if (needBrowser && !findChromium()) {
  if (process.env.CHROMIUM_PATH) {
    console.error(`CHROMIUM_PATH is set to ${process.env.CHROMIUM_PATH}, but no file is there.`);
    process.exit(1);
  }
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = existsSync("/usr/bin/apt-get");
  if (root && apt) {
    console.log(
      "No Chromium found: installing Debian's chromium package (it ships SwiftShader for WebGPU)...",
    );
    execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium", {
      stdio: "inherit",
    });
  }
  if (!findChromium()) {
    console.error(
      "No Chromium or Chrome found, and it could not be installed here.\n" +
        "The GPU tests drive a headless Chromium with WebGPU. Install one of:\n" +
        "  sudo apt-get install -y chromium          (Debian/Ubuntu; ships SwiftShader)\n" +
        "or point CHROMIUM_PATH at a Chrome/Chromium 113+ binary.",
    );
    process.exit(1);
  }
}
