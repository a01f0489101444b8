import "../../src/ui/page.css";
import { addSiteNav } from "../../src/ui/site-nav";
import "../../src/ui/wb-experts-page";

addSiteNav();
document.body.append(document.createElement("wb-experts-page"));
