// Runs kept in IndexedDB, in headless Chromium: one record per run, so two tabs training the same model keep both
// runs and each says when the other is training; a corrupted record (no spec, step NaN, a parameter of the wrong
// length) is named on the page with a delete button, and the readable run of the same model still loads; a link
// resumes only a run of its settings; a resumed run's edited architecture is what the architecture field, its parameter
// count and the link show.

import type { Page } from "puppeteer";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPage, type Session } from "../headless/browser";

const PAGE = "/demos/grain/?stage=relu2";
const PREFIX = "run:grain:relu2:";
let s: Session;

beforeAll(async () => {
  s = await openPage("/");
});

afterAll(async () => {
  await s?.close();
});

const state = (p: Page) => p.evaluate(() => window.__wb ?? null);

async function waitState(p: Page, states: string[], timeout = 90_000): Promise<void> {
  await p.waitForFunction(
    (st: string[]) => st.includes(window.__wb?.state ?? ""),
    { timeout, polling: 200 },
    states,
  );
}

async function fill(p: Page, name: string, text: string): Promise<void> {
  const input = await p.waitForSelector(`>>> wb-trainer-panel >>> input[name=${name}]`);
  await input!.click({ count: 3 });
  await p.keyboard.press("Backspace");
  await p.keyboard.type(text);
}

async function startTraining(p: Page, steps: number): Promise<void> {
  await (await p.waitForSelector(">>> wb-trainer-panel >>> select"))!.select("cpu");
  await fill(p, "steps", String(steps));
  await (await p.waitForSelector(">>> wb-trainer-panel >>> ::-p-text(Start)"))!.click();
}

/** Every record under `prefix`: key, step and savedAt (as stored, whatever they are). */
function records(p: Page, prefix: string) {
  return p.evaluate(
    (pre: string) =>
      new Promise<{ key: string; step: unknown }[]>((resolve, reject) => {
        const req = indexedDB.open("webgpu-workbench", 1);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const out: { key: string; step: unknown }[] = [];
          const cur = req.result
            .transaction("runs")
            .objectStore("runs")
            .openCursor(IDBKeyRange.bound(pre, `${pre}\uffff`));
          cur.onsuccess = () => {
            const c = cur.result;
            if (!c) {
              req.result.close();
              resolve(out);
              return;
            }
            out.push({ key: String(c.key), step: (c.value as { step?: unknown }).step });
            c.continue();
          };
          cur.onerror = () => reject(cur.error);
        };
      }),
    prefix,
  );
}

/** Wait until `count` records under `prefix` are stored (of step `step`, if given). */
function waitRecords(p: Page, prefix: string, count: number, step: number | null = null) {
  return p.waitForFunction(
    async (pre: string, n: number, at: number | null) => {
      const found = await new Promise<number>((resolve) => {
        const req = indexedDB.open("webgpu-workbench", 1);
        req.onsuccess = () => {
          const g = req.result
            .transaction("runs")
            .objectStore("runs")
            .getAll(IDBKeyRange.bound(pre, `${pre}\uffff`));
          g.onsuccess = () =>
            resolve(g.result.filter((v: { step: number }) => at === null || v.step === at).length);
        };
      });
      return found === n;
    },
    { polling: 300, timeout: 20_000 },
    prefix,
    count,
    step,
  );
}

/** Copies of the stored run at `from`, each broken by one change, written under the given ids; newer than it. */
function injectCorrupt(p: Page, from: string, prefix: string) {
  return p.evaluate(
    (src: string, pre: string) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open("webgpu-workbench", 1);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction("runs", "readwrite");
          const store = tx.objectStore("runs");
          const get = store.get(src);
          get.onsuccess = () => {
            const good = get.result as Record<string, unknown> & {
              savedAt: number;
              runs: { params: Record<string, { data: Float32Array }> }[];
            };
            const later = { savedAt: good.savedAt + 60_000 };
            const noSpec = { ...good, ...later };
            delete (noSpec as Record<string, unknown>).spec;
            store.put(noSpec, `${pre}no-spec`);
            store.put({ ...good, ...later, step: Number.NaN }, `${pre}step-nan`);
            const [name, p0] = Object.entries(good.runs[0]!.params)[0]!;
            const shortRun = {
              ...good.runs[0]!,
              params: { ...good.runs[0]!.params, [name]: { ...p0, data: new Float32Array(1) } },
            };
            store.put({ ...good, ...later, runs: [shortRun] }, `${pre}short-param`);
          };
          tx.oncomplete = () => {
            req.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    from,
    prefix,
  );
}

const texts = (p: Page, selector: string) =>
  p.$$eval(`>>> ${selector}`, (els) => els.map((e) => (e.textContent ?? "").replace(/\s+/g, " ").trim()));

describe("stored runs", () => {
  test("a corrupted stored run is named with a delete button and the readable run still loads", async () => {
    const p = s.page;
    await p.goto(s.baseUrl + PAGE, { waitUntil: "load" });
    await startTraining(p, 20);
    await waitState(p, ["done"]);
    await p.waitForFunction(() => (window.__wb?.step ?? 0) === 20);
    // The worker keeps the run when it finishes: wait for the record of step 20.
    await waitRecords(p, PREFIX, 1, 20);
    const [good] = await records(p, PREFIX);
    expect(good!.step).toBe(20);
    await injectCorrupt(p, good!.key, PREFIX);

    s.errors.length = 0;
    await p.reload({ waitUntil: "load" });
    await waitState(p, ["done"], 30_000);
    expect((await state(p))!.step).toBe(20);
    await p.waitForSelector(">>> p.stored-unreadable", { timeout: 20_000 });
    const shown = await texts(p, "p.stored-unreadable");
    expect(shown.length).toBe(3);
    const byKey = (id: string) => shown.find((t) => t.includes(`'${PREFIX}${id}'`)) ?? "";
    expect(byKey("no-spec")).toMatch(/unreadable \(its spec is missing\)/);
    expect(byKey("step-nan")).toMatch(/unreadable \(its step is NaN, not a step count\)/);
    expect(byKey("short-param")).toMatch(/unreadable \(its runs\[0\]\.params\.\S+ holds 1 values for shape/);
    for (const t of shown) expect(t).toMatch(/Delete it$/);
    expect(s.errors).toEqual([]);

    // Delete one: its message goes, its record goes, the others stay.
    await p.evaluate(() => {
      const host = document.querySelector("wb-grain-page")!.shadowRoot!;
      const ps = [...host.querySelectorAll("p.stored-unreadable")];
      const mine = ps.find((e) => e.textContent!.includes("step-nan"))!;
      (mine.querySelector("button.delete-stored") as HTMLButtonElement).click();
    });
    await p.waitForFunction(
      () =>
        document.querySelector("wb-grain-page")!.shadowRoot!.querySelectorAll("p.stored-unreadable")
          .length === 2,
      { polling: 200, timeout: 10_000 },
    );
    const keys = (await records(p, PREFIX)).map((r) => r.key).sort();
    expect(keys).toEqual([good!.key, `${PREFIX}no-spec`, `${PREFIX}short-param`].sort());

    // The unreadable ones are gone after deleting them; the good one is still what loads.
    for (const id of ["no-spec", "short-param"]) {
      await p.evaluate((k: string) => {
        const host = document.querySelector("wb-grain-page")!.shadowRoot!;
        const mine = [...host.querySelectorAll("p.stored-unreadable")].find((e) =>
          e.textContent!.includes(k),
        )!;
        (mine.querySelector("button.delete-stored") as HTMLButtonElement).click();
      }, id);
    }
    await p.waitForFunction(
      () =>
        document.querySelector("wb-grain-page")!.shadowRoot!.querySelectorAll("p.stored-unreadable")
          .length === 0,
      { polling: 200, timeout: 10_000 },
    );
    expect((await records(p, PREFIX)).map((r) => r.key)).toEqual([good!.key]);

    // The reload above resumed the run because its link holds the run's settings; a link with other settings does
    // not resume it (it waits for Start), and the bare page resumes the newest run.
    const link = new URL(p.url());
    expect(link.searchParams.get("steps")).toBe("20");
    link.searchParams.set("steps", "21");
    await p.goto(link.href, { waitUntil: "load" });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await state(p))?.state ?? "idle").toBe("idle");
    await p.goto(s.baseUrl + PAGE, { waitUntil: "load" });
    await waitState(p, ["done"], 30_000);
    expect((await state(p))!.step).toBe(20);
  });

  test("two tabs on the same model keep two runs and each says when the other trains", async () => {
    const a = s.page;
    await a.goto(s.baseUrl + PAGE, { waitUntil: "load" });
    // A resumes the run stored by the previous test and holds it; it trains a new one, which replaces it.
    await waitState(a, ["done"], 30_000);
    await startTraining(a, 30);
    await waitState(a, ["done"]);
    const b = await s.browser.newPage();
    const bErrors: string[] = [];
    b.on("pageerror", (e) => bErrors.push(String(e)));
    try {
      await b.goto(s.baseUrl + PAGE, { waitUntil: "load" });
      // B finds A's run open in A, so it starts idle instead of taking it over.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await state(b))?.state ?? "idle").toBe("idle");
      await startTraining(b, 1_000_000);
      await waitState(b, ["running"]);
      await a.waitForFunction(
        () => !!document.querySelector("wb-grain-page")!.shadowRoot!.querySelector("p.stored-other-tab"),
        { polling: 200, timeout: 20_000 },
      );
      expect((await texts(a, "p.stored-other-tab"))[0]).toMatch(
        /Another tab of this browser is training 'relu2' too/,
      );
      await b.waitForFunction(
        (n: number) => (window.__wb?.step ?? 0) > n,
        { polling: 200, timeout: 60_000 },
        200,
      );
      await (await b.waitForSelector(">>> wb-trainer-panel >>> ::-p-text(Pause)"))!.click();
      await waitState(b, ["paused"]);
      // Paused, B no longer trains: A's notice goes.
      await a.waitForFunction(
        () => !document.querySelector("wb-grain-page")!.shadowRoot!.querySelector("p.stored-other-tab"),
        { polling: 200, timeout: 20_000 },
      );
      // Both runs are stored, each under its own id: A's at step 30, B's at the step it paused at (or before).
      await waitRecords(b, PREFIX, 2);
      const stored = await records(a, PREFIX);
      const steps = stored.map((r) => r.step as number).sort((x, y) => x - y);
      expect(steps[0]).toBe(30);
      expect(steps[1]).toBeGreaterThan(30);
      // A reload of A resumes A's own run: its link holds A's settings (and B's run, newer, is open in B).
      await a.reload({ waitUntil: "load" });
      await waitState(a, ["done"], 30_000);
      expect((await state(a))!.step).toBe(30);
      expect(bErrors).toEqual([]);
    } finally {
      await b.close();
    }
  });
});

describe("a restored run's architecture", () => {
  /** The architecture field of `model` on page `tag`: its text and its parameter count. */
  const field = (p: Page, tag: string, model: string) =>
    p.evaluate(
      (t: string, m: string) => {
        const host = document.querySelector(t)!.shadowRoot!;
        const input = host.querySelector(`input[name=arch-${m}]`) as HTMLInputElement;
        const params = host.querySelector(`output[for=arch-${m}]`)!.textContent!.trim();
        return { value: input.value, params };
      },
      tag,
      model,
    );
  const typeArch = async (p: Page, tag: string, model: string, text: string) => {
    const input = await p.waitForSelector(`>>> ${tag} >>> input[name=arch-${model}]`);
    await input!.click({ count: 3 });
    await p.keyboard.press("Backspace");
    await p.keyboard.type(text);
  };
  // ReLU 2→h→1 has 2h + h (first layer) + h + 1 (second) parameters: 41 for the default 10, 17 for 4, 13 for 3.
  const cases = [
    {
      path: "/demos/grain/?stage=relu10",
      tag: "wb-grain-page",
      model: "relu10",
      kind: "grain",
      defaults: ["10", "41 parameters"],
      edited: ["4", "17 parameters"],
      other: "6",
      next: ["3", "13 parameters"],
      arrows: "3",
    },
    {
      path: "/demos/transformer/",
      tag: "wb-transformer-page",
      model: "transformer",
      kind: "transformer",
      defaults: ["16, 4, 1"],
      edited: ["8, 2, 1"],
      other: "16,2,1",
      next: ["8, 2, 2"],
      arrows: "8→2→2",
    },
  ];

  for (const c of cases)
    test(`${c.model}: the field and its parameter count show the run's architecture; editing it resets the run`, async () => {
      const p = s.page;
      s.errors.length = 0;
      await p.goto(s.baseUrl + c.path, { waitUntil: "load" });
      const fresh = await field(p, c.tag, c.model);
      expect(fresh.value).toBe(c.defaults[0]);
      if (c.defaults[1]) expect(fresh.params).toBe(c.defaults[1]);
      await typeArch(p, c.tag, c.model, c.edited[0]!);
      const typed = await field(p, c.tag, c.model);
      expect(typed.value).toBe(c.edited[0]);
      if (c.edited[1]) expect(typed.params).toBe(c.edited[1]);
      expect(typed.params).toMatch(/^\d+ parameters$/);
      expect(typed.params).not.toBe(fresh.params);
      await startTraining(p, 3);
      await waitState(p, ["done"]);
      await waitRecords(p, `run:${c.kind}:${c.model}:`, 1, 3);

      // The bare page (no settings, no architecture in its link), and a link of another architecture without
      // settings, resume that run: the field shows its architecture, counted as the model the worker built.
      const sizes = c.edited[0]!.split(", ").join(",");
      for (const link of [c.path, `${c.path}${c.path.includes("?") ? "&" : "?"}arch-${c.model}=${c.other}`]) {
        await p.goto(s.baseUrl + link, { waitUntil: "load" });
        await waitState(p, ["done"], 30_000);
        expect((await state(p))!.step).toBe(3);
        await p.waitForFunction(
          (t: string, want: string) =>
            (
              document.querySelector(t)!.shadowRoot!.querySelector("wb-trainer-panel")!.shadowRoot!
                .textContent ?? ""
            ).includes(want),
          { polling: 200, timeout: 10_000 },
          c.tag,
          `${c.model}: ${typed.params}`,
        );
        expect(await field(p, c.tag, c.model), link).toEqual(typed);
        expect(new URL(p.url()).searchParams.get(`arch-${c.model}`), link).toBe(sizes);
      }

      // An edit afterwards resets the run, with the note, and counts the new architecture.
      await typeArch(p, c.tag, c.model, c.next[0]!);
      await waitState(p, ["idle"], 10_000);
      const after = await field(p, c.tag, c.model);
      expect(after.value).toBe(c.next[0]);
      if (c.next[1]) expect(after.params).toBe(c.next[1]);
      expect(after.params).not.toBe(typed.params);
      expect((await texts(p, `${c.tag} >>> fieldset.arch p.note`))[0]).toBe(
        `${c.model} is now ${c.arrows}: the run was reset (a different network cannot keep the old weights).`,
      );
      expect(s.errors).toEqual([]);
    });
});
