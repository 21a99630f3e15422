// The assignment history tab (H4): each assignee added or removed, newest first, by whom
// (a user, or the queue, the chatbot, the system) and whether it was automatic.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { dateTimeOf } from "../format.js";

const AUTOMATIC_BY = { queue: t("pela Fila"), chatbot: t("pelo Chatbot"), system: t("pelo Sistema") };

function line(e) {
  const what = e.action === "added" ? "adicionado" : "removido";
  const by = e.by_user_id == null && AUTOMATIC_BY[e.source] ? AUTOMATIC_BY[e.source] : t("por {name}", { name: e.by_name });
  const via = e.automatic && e.by_user_id != null ? ` via ${e.source_label}` : "";
  return h("li", { class: `assignment-event ${e.action}`, dataset: { action: e.action, source: e.source } },
    h("div", { class: "assignment-who" },
      icon(e.kind === "department" ? "group" : "person", 16),
      h("strong", { text: e.assignee_name || "—" }),
      h("span", { class: `assignment-action ${e.action}`, text: what })),
    h("div", { class: "muted assignment-meta" },
      h("span", { class: "assignment-by", text: `${by}${via}` }),
      " · ",
      h("span", { class: "assignment-kind", text: e.automatic ? t("automático") : t("manual") }),
      " · ",
      h("time", { datetime: e.at, text: dateTimeOf(e.at) })));
}

export default {
  id: "assignments",
  title: t("Responsáveis"),
  async load(chat, ctx) {
    const events = await ctx.api(`/api/v1/chats/${chat.id}/assignments`);
    if (!events.length) {
      return h("p", { class: "muted", text: t("Nenhuma mudança de responsável registrada.") });
    }
    return h("ol", { class: "assignment-history", "aria-label": t("Histórico de responsáveis") },
      events.map(line));
  },
};
