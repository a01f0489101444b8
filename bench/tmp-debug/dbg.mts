import puppeteer from "puppeteer";
import { startServer } from "/work/main/tests/headless/browser.ts";
import { findChromium } from "/work/main/tests/headless/chromium.mjs";

const s = await startServer();
const br = await puppeteer.launch({
  executablePath: findChromium()!,
  headless: true,
  args: [
    "--no-sandbox",
    "--enable-unsafe-webgpu",
    "--use-webgpu-adapter=swiftshader",
    "--enable-features=Vulkan",
    "--use-vulkan=swiftshader",
    "--disable-gpu-watchdog",
    "--enable-webgpu-developer-features",
  ],
});
for (const mode of (process.argv[2] ?? "shared,own").split(",")) {
  const p = await br.newPage();
  p.on("console", (m) => console.log("console:", m.text()));
  await p.goto(`${s.baseUrl}/bench/tmp-debug/?mode=${mode}`);
  for (let i = 0; i < 120; i++) {
    const o = await p.evaluate(() => (window as any).__dbg);
    if ((o && o.includes("done")) || o?.some((l: string) => l.startsWith("error"))) {
      console.log(o.join("\n"));
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await p.close();
}
await br.close();
await s.server.close();
