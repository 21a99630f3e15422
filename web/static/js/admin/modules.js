// Admin: switch the account's modules on and off (P3). A module that is off disappears from
// every page and its API answers 404.
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";

export default {
  id: "modules",
  title: t("Módulos"),
  allowed: (ctx) => ctx.me.is_admin,
  load: () => import("./modules.js"),
};

export async function render(container, ctx) {
  const list = h("ul", { class: "admin-list modules-list" });
  container.append(
    h("p", { class: "muted", text: t("Um módulo desligado some das telas de todos os usuários e da API. Os marcados “em breve” ainda não existem.") }),
    list);
  async function draw() {
    const modules = await ctx.api("/api/v1/modules");
    clear(list);
    for (const m of modules) {
      if (!m.available) {
        // Planned, with nothing behind it yet: shown so the shop knows, never switched on.
        const input = h("input", { type: "checkbox", role: "switch", disabled: true, dataset: { module: m.name } });
        list.append(h("li", { class: "module-planned" }, h("label", { class: "switch-row" }, input,
          h("span", { text: m.label }), h("span", { class: "badge-soon", text: "em breve" }))));
        continue;
      }
      const input = h("input", { type: "checkbox", role: "switch", checked: m.enabled, dataset: { module: m.name } });
      input.addEventListener("change", async () => {
        input.disabled = true;
        try {
          await ctx.api("/api/v1/modules", { method: "PATCH", body: { [m.name]: input.checked } });
          ctx.toast(`${m.label}: ${input.checked ? "ligado" : "desligado"}.`);
        } catch (error) {
          input.checked = !input.checked;
          ctx.showError(error);
        } finally { input.disabled = false; }
      });
      list.append(h("li", {}, h("label", { class: "switch-row" }, input, h("span", { text: m.label }))));
    }
  }
  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "modules" && container.isConnected) draw().catch(ctx.showError);
  });
  await draw();
}
