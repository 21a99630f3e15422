// Where the chat came from (I9), and its chatbot (I3) and archive (I4) state.
import { h } from "../dom.js";
import { dateOf, phoneOf } from "../format.js";

function field(label, value) {
  return [h("dt", { text: label }), h("dd", {}, value)];
}

export default {
  id: "details",
  render(chat) {
    return h("section", { class: "info-card", dataset: { section: "details" } },
      h("dl", {},
        field("Aparelho de origem", chat.device
          ? `${chat.device.name}${chat.device.phone ? ` (${phoneOf(chat.device.phone)})` : ""}` : "—"),
        field("Data de cadastro", chat.registered_at ? dateOf(chat.registered_at) : "—"),
        field("Arquivado", chat.archived ? "Sim" : "Não"),
        field("Chatbot", chat.chatbot_enabled ? "Sim" : "Não")));
  },
};
