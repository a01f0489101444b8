import "../../src/ui/page.css";
import { addSiteNav } from "../../src/ui/site-nav";
import { WbKernelsPage } from "../../src/ui/wb-kernels-page";

addSiteNav();
const params = new URLSearchParams(location.search);
const page = new WbKernelsPage();
page.filter = params.get("filter") ?? "";
page.autorun = params.has("run");
page.quick = params.get("bench") === "quick";
document.body.append(page);
// ?bench starts the timings at once.
if (params.has("bench")) void page.updateComplete.then(() => page.bench());
