// The chat info panel (I1, I2, I9): name, number when allowed, origin device, registration date.
import { h, clear, avatar } from "./dom.js";
import { icon } from "./icons.js";
import { dateOf, phoneOf } from "./format.js";

export function createInfo({ canSeeNumbers, onClose }) {
  const pane = document.getElementById("info");
  const body = document.getElementById("info-body");
  document.getElementById("info-close").addEventListener("click", () => onClose());

  function field(label, value) {
    return [h("dt", { text: label }), h("dd", {}, value)];
  }

  return {
    render(chat) {
      clear(body);
      if (!chat) return;
      const big = avatar(chat.name, chat.id);
      body.append(
        h("section", { class: "info-card center" },
          big,
          h("h2", { class: "info-name", text: chat.name }),
          canSeeNumbers && chat.phone ? h("div", { class: "number", text: phoneOf(chat.phone) }) : null,
          chat.wa_name && chat.custom_name && chat.wa_name !== chat.custom_name
            ? h("div", { class: "muted", text: `No WhatsApp: ${chat.wa_name}` }) : null),
        h("section", { class: "info-card" },
          h("h3", { text: "Responsáveis" }),
          chat.assignees.length
            ? h("div", {}, chat.assignees.map((a) => h("span", { class: "tag" }, icon(a.kind === "department" ? "group" : "person", 15), a.name)))
            : h("span", { class: "muted", text: "Sem responsável" })),
        h("section", { class: "info-card" },
          h("h3", { text: "Tags" }),
          chat.tags.length
            ? h("div", {}, chat.tags.map((t) => h("span", { class: "tag" },
              h("span", { class: "tag-dot", style: { background: t.color || "#8696a0" } }), t.name)))
            : h("span", { class: "muted", text: "Nenhuma tag" })),
        h("section", { class: "info-card" },
          h("dl", {},
            field("Aparelho de origem", chat.device
              ? `${chat.device.name}${chat.device.phone ? ` (${phoneOf(chat.device.phone)})` : ""}` : "—"),
            field("Data de cadastro", chat.registered_at ? dateOf(chat.registered_at) : "—"),
            field("Arquivado", chat.archived ? "Sim" : "Não"),
            field("Chatbot", chat.chatbot_enabled ? "Sim" : "Não"))),
      );
    },
    get open() { return !pane.hidden; },
    show(open) { pane.hidden = !open; },
  };
}
