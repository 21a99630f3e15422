// The chat info panel: name (I1, C5), number when allowed (I2), then the sections and the
// history tabs of panel/index.js. Clicking the name edits it: Enter saves for the whole
// account, Esc cancels.
import { t } from "./i18n.js";
import { showErrorIn } from "./api.js";
import { h, clear, avatar } from "./dom.js";
import { icon } from "./icons.js";
import { phoneOf } from "./format.js";
import { SECTIONS, TABS } from "./panel/index.js";

export function createInfo({ canSeeNumbers, ctx, onClose, onRename }) {
  const pane = document.getElementById("info");
  const body = document.getElementById("info-body");
  document.getElementById("info-close").addEventListener("click", () => onClose());

  let current = null;
  // The name being edited: kept across re-renders (live events) so typing is not lost.
  let editor = null;

  // The history tab on show ("" for the chat's data), kept from chat to chat.
  let tab = "";
  const present = (part) => !part.module || ctx.modules[part.module] !== false;

  function stopEditing() {
    editor = null;
    render(current);
  }

  async function save() {
    if (!editor || editor.saving) return;
    const { chatId, input, error } = editor;
    editor.saving = true;
    input.disabled = true;
    error.hidden = true;
    try {
      const chat = await onRename(chatId, input.value);
      if (editor?.chatId === chatId) { editor = null; render(chat && chat.id === current?.id ? chat : current); }
    } catch (problem) {
      if (editor?.chatId !== chatId) return;
      showErrorIn(error, problem, t("Não foi possível salvar o nome. Tente de novo."));
      editor.saving = false;
      input.disabled = false;
      input.focus();
    }
  }

  function makeEditor(chat) {
    const input = h("input", {
      id: "info-name-input", class: "name-input", type: "text", autocomplete: "off",
      "aria-label": t("Nome do chat"), "aria-describedby": "info-name-hint info-name-error",
      value: chat.custom_name ?? chat.name,
    });
    const error = h("p", { id: "info-name-error", class: "name-error", role: "alert", hidden: true });
    const form = h("form", { class: "name-form", novalidate: true },
      h("div", { class: "name-row" },
        input,
        h("button", { type: "submit", class: "icon-btn", title: t("Salvar (Enter)"), "aria-label": t("Salvar nome") }, icon("check", 22)),
        h("button", { type: "button", class: "icon-btn", title: t("Cancelar (Esc)"), "aria-label": t("Cancelar"), onclick: () => stopEditing() }, icon("close", 22))),
      error,
      h("p", { id: "info-name-hint", class: "name-hint",
        text: t("O nome muda para todos os usuários do Balcão; a agenda do celular não muda. ")
          + (chat.wa_name ? t("Em branco, volta ao nome do WhatsApp ({wa_name}).", { wa_name: chat.wa_name })
            : t("Em branco, volta ao nome do WhatsApp.")) }));
    form.addEventListener("submit", (event) => { event.preventDefault(); save(); });
    input.addEventListener("input", () => { error.hidden = true; });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); stopEditing(); }
    });
    return { chatId: chat.id, form, input, error, saving: false };
  }

  function nameBlock(chat) {
    if (editor && editor.chatId === chat.id) return editor.form;
    return h("h2", { class: "info-name" },
      h("button", { type: "button", class: "name-btn", title: t("Alterar nome do chat"),
        onclick: () => edit() },
      h("span", { class: "name-text", text: chat.name }), icon("edit", 18)));
  }

  function render(chat) {
    const focused = editor && document.activeElement === editor.input;
    if (!chat || (editor && editor.chatId !== chat.id)) editor = null;
    current = chat;
    clear(body);
    if (!chat) return;
    const big = avatar(chat.name, chat.id);
    body.append(
      h("section", { class: "info-card center" },
        big,
        nameBlock(chat),
        canSeeNumbers && chat.phone ? h("div", { class: "number", text: phoneOf(chat.phone) }) : null,
        chat.wa_name && chat.custom_name && chat.wa_name !== chat.custom_name
          ? h("div", { class: "muted wa-name", text: t("No WhatsApp: {wa_name}", { wa_name: chat.wa_name }) }) : null),
    );
    const tabs = TABS.filter(present);
    if (!tabs.some((t) => t.id === tab)) tab = "";
    if (tabs.length) body.append(tabBar(tabs));
    if (!tab) {
      for (const section of SECTIONS.filter(present)) {
        try { body.append(section.render(chat, ctx) || ""); } catch (error) { console.error(section.id, error); }
      }
    } else {
      const holder = h("div", { class: "info-tab", dataset: { tab }, "aria-busy": "true" },
        h("p", { class: "muted loading", text: t("Carregando…") }));
      body.append(holder);
      const shown = tabs.find((t) => t.id === tab);
      shown.load(chat, ctx).then((node) => {
        if (current?.id !== chat.id || tab !== shown.id) return;
        clear(holder).append(node);
        holder.removeAttribute("aria-busy");
      }, (error) => {
        clear(holder).append(h("p", { class: "name-error", role: "alert",
          text: error?.status !== undefined ? error.message : t("Não foi possível carregar.") }));
        holder.removeAttribute("aria-busy");
      });
    }
    if (focused) editor.input.focus();
  }

  function tabBar(tabs) {
    const choice = (id, title) => h("button", {
      type: "button", role: "tab", class: "info-tab-btn", "aria-selected": String(tab === id),
      dataset: { tab: id }, text: title,
      onclick: () => { tab = id; render(current); },
    });
    return h("nav", { class: "info-tabs", role: "tablist", "aria-label": t("Dados e históricos") },
      choice("", t("Dados")), tabs.map((t) => choice(t.id, t.title)));
  }

  /** The name as a text box, focused with its text selected. */
  function edit() {
    if (!current) return;
    if (!editor || editor.chatId !== current.id) {
      editor = makeEditor(current);
      render(current);
    }
    editor.input.focus();
    editor.input.select();
  }

  return {
    render,
    edit,
    get open() { return !pane.hidden; },
    show(open) {
      pane.hidden = !open;
      if (!open && editor) stopEditing();
    },
  };
}
