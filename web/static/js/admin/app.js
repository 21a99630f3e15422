// The administration page: a menu of the sections this user may use; the URL's hash names
// the section on show (#tags, #users…), so a section can be bookmarked.
import { t } from "../i18n.js";
import { api, showError, toast } from "../api.js";
import { confirmDialog, confirmThen } from "../dialog.js";
import { h, clear } from "../dom.js";
import { fillIcons } from "../icons.js";
import { connectLive } from "../live.js";
import { setTimeZone } from "../format.js";
import { SECTIONS } from "./index.js";

const boot = JSON.parse(document.getElementById("boot").textContent);
setTimeZone(boot.time_zone);
fillIcons();

const can = (permission) => boot.me.is_admin || (boot.me.permissions || []).includes(permission);
const ctx = {
  boot, me: boot.me, modules: { ...(boot.modules || {}) }, can, api, showError, toast, confirmDialog, confirmThen,
};

const nav = document.getElementById("admin-nav");
const section = document.getElementById("admin-section");
const visible = () => SECTIONS.filter((s) => (!s.module || ctx.modules[s.module] !== false) && s.allowed(ctx));
let shown = null;

function drawNav() {
  clear(nav);
  for (const s of visible()) {
    nav.append(h("a", {
      href: `#${s.id}`, class: "admin-link", dataset: { section: s.id },
      "aria-current": s.id === shown ? "page" : null, text: s.title,
    }));
  }
}

async function show() {
  const sections = visible();
  const wanted = window.location.hash.slice(1);
  const next = sections.find((s) => s.id === wanted) || sections[0];
  shown = next?.id ?? null;
  drawNav();
  clear(section);
  if (!next) {
    section.append(h("p", { class: "muted", text: t("Você não tem acesso a nenhuma seção da administração.") }));
    return;
  }
  document.title = t("{title} · Administração · Balcão", { title: next.title });
  const holder = h("div", { class: "admin-body", dataset: { section: next.id } });
  section.append(h("h2", { text: next.title }), holder);
  try {
    const mod = await next.load();
    if (shown !== next.id) return;
    await mod.render(holder, ctx);
  } catch (error) {
    if (error?.status === undefined) console.error(error);
    holder.append(h("p", { class: "error", role: "alert",
      text: error?.status !== undefined ? error.message : t("Não foi possível abrir esta seção.") }));
  }
}

window.addEventListener("hashchange", show);
show();

connectLive({
  onUp() {},
  onDown() {},
  async onEvent(event) {
    if (event.type === "device.status") {
      window.dispatchEvent(new CustomEvent("balcao:devices", { detail: { devices: event.devices } }));
      return;
    }
    if (event.type !== "account.changed") return;
    if (event.what === "modules") {
      try { Object.assign(ctx.modules, await api("/api/v1/modules/enabled")); drawNav(); } catch (error) { showError(error); }
    }
    window.dispatchEvent(new CustomEvent("balcao:account", { detail: { what: event.what } }));
  },
});
window.balcao = { ctx };
