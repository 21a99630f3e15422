// Where the chat came from (I9), and its chatbot (I3) and archive (I4) switches. Anyone who
// sees the chat may flip them; the chatbot switch is absent while the chatbot module is off.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { dateOf, phoneOf } from "../format.js";

function field(label, value) {
  return [h("dt", { text: label }), h("dd", {}, value)];
}

/** A labelled switch that PUTs `{[name]: checked}` and shows the chat the server answers. */
function toggle(chat, ctx, { name, label, path, checked, on, off }) {
  const input = h("input", {
    type: "checkbox", role: "switch", checked, dataset: { switch: path }, "aria-label": label,
  });
  const state = h("span", { class: "switch-state", text: checked ? on : off });
  input.addEventListener("change", async () => {
    const wanted = input.checked;
    input.disabled = true;
    state.textContent = wanted ? on : off;
    try {
      ctx.showChat(await ctx.api(`/api/v1/chats/${chat.id}/${path}`, {
        method: "PUT", body: { [name]: wanted },
      }));
    } catch (error) {
      input.checked = !wanted;
      state.textContent = input.checked ? on : off;
      ctx.showError(error);
    } finally { input.disabled = false; }
  });
  return [h("dt", { text: label }),
    h("dd", {}, h("label", { class: "switch-row panel-switch" }, input, state))];
}

export default {
  id: "details",
  render(chat, ctx) {
    return h("section", { class: "info-card", dataset: { section: "details" } },
      h("dl", {},
        field(t("Aparelho de origem"), chat.device
          ? `${chat.device.name}${chat.device.phone ? ` (${phoneOf(chat.device.phone)})` : ""}` : "—"),
        field(t("Data de cadastro"), chat.registered_at ? dateOf(chat.registered_at) : "—"),
        toggle(chat, ctx, {
          name: "archived", label: t("Arquivado"), path: "archived", checked: chat.archived,
          on: t("Sim"), off: t("Não"),
        }),
        ctx.modules.chatbot === false ? null : toggle(chat, ctx, {
          name: "enabled", label: t("Chatbot"), path: "chatbot", checked: chat.chatbot_enabled,
          on: t("Sim"), off: t("Não"),
        })));
  },
};
