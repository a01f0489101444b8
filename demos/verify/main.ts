import "../../src/ui/wb-verify";
import type { WbVerify } from "../../src/ui/wb-verify";

const params = new URLSearchParams(location.search);
const el = document.createElement("wb-verify") as WbVerify;
el.filter = params.get("filter") ?? "";
el.autorun = params.has("run");
document.body.append(el);
