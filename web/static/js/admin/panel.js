// Admin: the attendance control panel (L13): chats by status, chats in the inbox by assignee,
// and the customers waiting longest for a reply (a click opens the chat). Counts cover only
// the chats the user may see.
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";
import { timeOf } from "../format.js";

export default {
  id: "panel",
  title: t("Painel de controle"),
  module: "attendance",
  allowed: (ctx) => ctx.me.is_admin || ctx.can("see_reports"),
  load: () => import("./panel.js"),
};

const REFRESH_MS = 60_000;

function counts(title, rows, hint) {
  return h("section", { class: "panel-card", "aria-label": title },
    h("h3", { text: title }),
    hint ? h("p", { class: "muted", text: hint }) : null,
    h("ul", { class: "panel-counts" }, rows.map((r) => h("li", { dataset: { name: r.name } },
      r.color ? h("span", { class: "status-dot", style: { background: r.color } }) : null,
      h("span", { class: "panel-label", text: r.name }),
      h("strong", { class: "panel-count", text: String(r.count) })))));
}

export async function render(container, ctx) {
  const body = h("div", { class: "control-panel" });
  const stamp = h("span", { class: "muted" });
  container.append(h("div", { class: "panel-tools" },
    h("button", { type: "button", class: "btn", text: t("Atualizar"), onclick: () => draw().catch(ctx.showError) }),
    stamp), body);

  async function draw() {
    const data = await ctx.api("/api/v1/attendance/panel");
    clear(body);
    body.append(
      counts(t("Chats por status"), data.by_status, t("Inclui os arquivados (Resolvido e Fechado arquivam).")),
      counts(t("Chats na caixa de entrada por responsável"),
        data.by_assignee.map((a) => ({ ...a, name: a.kind === "department" ? t("{name} (departamento)", { name: a.name }) : a.name }))),
      h("section", { class: "panel-card", "aria-label": t("Esperando há mais tempo") },
        h("h3", { text: t("Esperando resposta há mais tempo") }),
        data.waiting.length
          ? h("ol", { class: "panel-waiting" }, data.waiting.map((w) => h("li", {},
            h("a", { href: `/?chat=${w.id}`, dataset: { chatId: w.id } },
              h("span", { class: "panel-label", text: w.name }),
              h("span", { class: "panel-wait", text: w.waiting_text })))))
          : h("p", { class: "muted", text: t("Nenhum cliente esperando resposta.") })));
    stamp.textContent = t("Atualizado às {time}", { time: timeOf(data.at) });
  }

  const timer = setInterval(() => {
    if (!container.isConnected) { clearInterval(timer); return; }
    if (!document.hidden) draw().catch(() => {});
  }, REFRESH_MS);
  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "statuses" && container.isConnected) draw().catch(ctx.showError);
  });
  await draw();
}
