// The home page: the adapter this browser gives, and a link to every page with a line on what it shows.

import "./page.css";
import "./wb-adapter-info";
import { addSiteNav, PAGES } from "./site-nav";

addSiteNav();
const list = document.querySelector("#pages");
for (const p of PAGES.filter((p) => p.href !== "/")) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = p.href;
  a.textContent = p.title;
  li.append(a, `: ${p.about}`);
  list?.append(li);
}
