import "../../src/ui/page.css";
import { addSiteNav } from "../../src/ui/site-nav";
import "../../src/ui/wb-lm-page";

addSiteNav();
document.body.append(document.createElement("wb-lm-page"));
