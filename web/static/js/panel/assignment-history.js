// The assignment history tab (H4): each assignee added or removed, newest first, by whom
// (a user, or the queue, the chatbot, the system) and whether it was automatic.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { historyList, when } from "./history.js";

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
      when(e.at)));
}

export default {
  id: "assignments",
  title: t("Responsáveis"),
  load: (chat, ctx) => historyList(ctx, `/api/v1/chats/${chat.id}/assignments`, {
    empty: t("Nenhuma mudança de responsável registrada."),
    list: { class: "assignment-history", "aria-label": t("Histórico de responsáveis") },
    line,
  }),
};
