import "../../src/ui/page.css";
import { addSiteNav } from "../../src/ui/site-nav";
import { GRAIN_STAGES } from "../../src/ui/stages";
import { WbGrainPage } from "../../src/ui/wb-grain-page";

addSiteNav();
const page = new WbGrainPage();
const stage = new URLSearchParams(location.search).get("stage");
if (stage && GRAIN_STAGES.some((s) => s.name === stage)) page.stage = stage;
document.body.append(page);
