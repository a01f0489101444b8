import "../../src/ui/page.css";
import { addSiteNav } from "../../src/ui/site-nav";
import "../../src/ui/wb-verify";
import type { WbVerify } from "../../src/ui/wb-verify";

addSiteNav();
const params = new URLSearchParams(location.search);
const el = document.createElement("wb-verify") as WbVerify;
el.filter = params.get("filter") ?? "";
el.autorun = params.has("run");
document.body.append(el);
