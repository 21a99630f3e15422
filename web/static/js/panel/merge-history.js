// The merge tab: when a customer's chat under a WhatsApp private id (LID) joined their
// number chat, the number chat's values won; what the other chat had in their place is
// listed here, newest first, so nothing is lost from sight.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { historyList, when } from "./history.js";

function line(v) {
  return h("li", { class: "merged-value", dataset: { kind: v.kind } },
    h("div", {}, h("strong", { text: v.label }), ": ", h("span", { class: "merged-text", text: v.value })),
    h("div", { class: "muted" },
      h("span", { text: "da conversa unida" + (v.merged_from ? ` (${v.merged_from})` : "") }),
      " · ",
      when(v.at)));
}

export default {
  id: "merged",
  title: t("Unificação"),
  load: (chat, ctx) => historyList(ctx, `/api/v1/chats/${chat.id}/merged-values`, {
    empty: t("Nenhum valor de outra conversa foi substituído neste chat."),
    list: { class: "merged-values", "aria-label": t("Valores da conversa unida") },
    line,
  }),
};
