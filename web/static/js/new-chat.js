// "Nova conversa" (L12, add-chats module): a number, the device when the shop has several,
// an optional name; the chat (new or the one the number already has) opens at once.
// The button is absent while the module is off.
import { t } from "./i18n.js";
import { h, clear } from "./dom.js";

export function initNewChat({ ctx, onOpen }) {
  const button = document.getElementById("new-chat");
  if (!button) return;
  const sync = () => { button.hidden = ctx.modules.add_chats === false; };
  sync();
  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "modules") {
      sync();
      if (button.hidden && dialog.open) dialog.close();
    }
  });

  const phone = h("input", { id: "new-chat-phone", name: "phone", type: "tel", inputmode: "tel",
    autocomplete: "off", required: true, placeholder: "(11) 98765-4321" });
  const name = h("input", { id: "new-chat-name", name: "name", maxlength: 200, autocomplete: "off",
    placeholder: t("Como o cliente aparece na lista") });
  const device = h("select", { id: "new-chat-device", name: "device_id" });
  const deviceRow = h("label", { for: "new-chat-device", hidden: true }, h("span", { text: t("Aparelho (número da loja)") }), device);
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn primary", text: t("Abrir conversa") });
  const form = h("form", { method: "dialog" },
    h("h2", { id: "new-chat-title", text: t("Nova conversa") }),
    h("label", { for: "new-chat-phone" }, h("span", { text: t("Número do WhatsApp (com DDD)") }), phone),
    deviceRow,
    h("label", { for: "new-chat-name" }, h("span", { text: t("Nome (opcional)") }), name),
    error,
    h("div", { class: "confirm-actions" },
      h("button", { type: "button", class: "btn", text: t("Cancelar"), onclick: () => dialog.close() }),
      submit));
  const dialog = h("dialog", { class: "new-chat", id: "new-chat-dialog", "aria-labelledby": "new-chat-title" }, form);
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
  document.body.append(dialog);

  async function loadDevices() {
    try {
      const devices = await ctx.api("/api/v1/devices");
      const current = device.value;
      clear(device);
      for (const d of devices) device.append(h("option", { value: String(d.id), text: d.name }));
      if (current && devices.some((d) => String(d.id) === current)) device.value = current;
      deviceRow.hidden = devices.length < 2;
    } catch (err) { ctx.showError(err); }
  }

  button.addEventListener("click", () => {
    form.reset();
    error.hidden = true;
    dialog.showModal();
    phone.focus();
    loadDevices();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const body = { phone: phone.value, name: name.value.trim() || null };
      if (!deviceRow.hidden && device.value) body.device_id = Number(device.value);
      const chat = await ctx.api("/api/v1/chats", { method: "POST", body });
      dialog.close();
      onOpen(chat);
    } catch (err) {
      error.textContent = err.message || t("Não foi possível abrir a conversa.");
      error.hidden = false;
      phone.focus();
    } finally { submit.disabled = false; }
  });
}
