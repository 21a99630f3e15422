// The merge tab: when a customer's chat under a WhatsApp private id (LID) joined their
// number chat, the number chat's values won; what the other chat had in their place is
// listed here, newest first, so nothing is lost from sight.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { dateTimeOf } from "../format.js";

function line(v) {
  return h("li", { class: "merged-value", dataset: { kind: v.kind } },
    h("div", {}, h("strong", { text: v.label }), ": ", h("span", { class: "merged-text", text: v.value })),
    h("div", { class: "muted" },
      h("span", { text: "da conversa unida" + (v.merged_from ? ` (${v.merged_from})` : "") }),
      " · ",
      h("time", { datetime: v.at, text: dateTimeOf(v.at) })));
}

export default {
  id: "merged",
  title: t("Unificação"),
  async load(chat, ctx) {
    const values = await ctx.api(`/api/v1/chats/${chat.id}/merged-values`);
    if (!values.length) {
      return h("p", { class: "muted", text: t("Nenhum valor de outra conversa foi substituído neste chat.") });
    }
    return h("ol", { class: "merged-values", "aria-label": t("Valores da conversa unida") }, values.map(line));
  },
};
