// The links every page shows at its top, with the current page marked.

export const PAGES: { href: string; title: string; about: string }[] = [
  { href: "/", title: "Home", about: "what this is and which adapter your browser gives" },
  {
    href: "/demos/grain/",
    title: "Grain mixture",
    about: "the seed article's stages, from a line to attention",
  },
  {
    href: "/demos/experts/",
    title: "Five experts",
    about: "attention against two ReLU networks of equal size",
  },
  {
    href: "/demos/transformer/",
    title: "Transformer",
    about: "a small transformer on recipe sentences, its attention per head",
  },
  {
    href: "/demos/lm/",
    title: "Language model",
    about: "a character-level GPT learns to write names or Moby-Dick, with samples as it trains",
  },
  {
    href: "/demos/kernels/",
    title: "Kernels",
    about: "every kernel checked against the CPU, and GPU-vs-CPU timings",
  },
  { href: "/demos/verify/", title: "Verify my GPU", about: "the kernel checks alone" },
  { href: "/bench/", title: "Benchmarks", about: "our kernels and training step against TensorFlow.js" },
];

/** Insert the navigation at the top of the body. */
export function addSiteNav(): void {
  const nav = document.createElement("nav");
  nav.className = "site";
  nav.setAttribute("aria-label", "workbench pages");
  const here = location.pathname.replace(/index\.html$/, "");
  for (const p of PAGES) {
    const a = document.createElement("a");
    a.href = p.href;
    a.textContent = p.title;
    if (p.href === here) a.setAttribute("aria-current", "page");
    nav.append(a);
  }
  document.body.prepend(nav);
}
