// History tab "Atendimento" (H1): each status change of the chat, newest first, with who made
// it, when, and how long the chat stayed in it; then the total time in each status.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { when } from "./history.js";

function dot(color) {
  return h("span", { class: "status-dot", style: { background: color || "#8696a0" } });
}

export default {
  id: "attendance",
  title: t("Atendimento"),
  module: "attendance",
  async load(chat, ctx) {
    const history = await ctx.api(`/api/v1/chats/${chat.id}/status-history`);
    const box = h("div", { class: "attendance-history" });
    if (!history.changes.length) {
      box.append(h("p", { class: "muted", text: t("O status deste chat ainda não foi alterado.") }));
      return box;
    }
    box.append(h("ol", { class: "status-changes", "aria-label": t("Mudanças de status") },
      [...history.changes].reverse().map((c) => h("li", {
        class: `status-change${c.current ? " current" : ""}`, dataset: { changeId: c.id },
      },
      h("div", { class: "status-change-head" }, dot(c.color),
        h("strong", { class: "status-change-name", text: c.status_name }),
        c.current ? h("span", { class: "status-now", text: "atual" }) : null),
      h("div", { class: "status-change-meta" },
        h("span", { class: "status-change-by", text: `por ${c.by}` }), " · ",
        when(c.at)),
      h("div", { class: "status-change-time muted",
        text: c.current ? t("Neste status há {duration_text}", { duration_text: c.duration_text }) : t("Ficou {duration_text}", { duration_text: c.duration_text }) })))));
    box.append(h("h4", { class: "status-totals-title", text: t("Tempo em cada status") }),
      h("ul", { class: "status-totals" }, history.totals.map((t) => h("li", {},
        dot(t.color), h("span", { class: "status-total-name", text: t.status_name }),
        h("span", { class: "status-total-time", text: t.duration_text })))));
    return box;
  },
};
