// Custom fields (I8): the account's fields with this chat's values. Click a value to edit it
// with an input suited to its kind; Enter saves, Esc cancels, the server's message shows
// under the input and the stored value stays until a good one is saved. "Novo campo"
// (manage_fields) creates a field for every chat; deleting one removes it from every chat.
// One node per open chat: an edit in progress survives the re-renders of live events.
import { t } from "../i18n.js";
import { showErrorIn } from "../api.js";
import { h, clear } from "../dom.js";
import { icon } from "../icons.js";

export const KINDS = [
  ["text", t("Texto")], ["number", t("Número")], ["date", t("Data")], ["email", t("E-mail")],
  ["phone", t("Telefone")], ["cpf", t("CPF")], ["cnpj", t("CNPJ")], ["options", t("Opções")],
];
const PLACEHOLDERS = {
  number: t("Ex.: 1.234,56"), email: "nome@exemplo.com.br", phone: "(11) 98765-4321",
  cpf: "000.000.000-00", cnpj: "00.000.000/0000-00",
};

let state = null;

function makeState(chat, ctx) {
  const list = h("dl", { class: "field-list" });
  const footer = h("div", { class: "field-footer" });
  const node = h("section", { class: "info-card", dataset: { section: "fields" } },
    h("h3", { text: t("Campos personalizados") }), list, footer);
  const s = {
    chatId: chat.id, ctx, node, list, footer, fields: null, editing: null, creating: null,
    loading: null, again: false, failed: false, lastFocus: null,
  };
  trackFocus(s);
  return s;
}

/** Remember the focused control, so redraws and re-renders can give focus back to it. */
function trackFocus(s) {
  s.node.addEventListener("focusin", (event) => { s.lastFocus = event.target; });
  s.node.addEventListener("focusout", () => setTimeout(() => {
    if (s.node.isConnected && !s.node.contains(document.activeElement)) s.lastFocus = null;
  }));
}

function restoreFocus(s) {
  const el = s.lastFocus;
  if (el && el.isConnected && s.node.contains(el) && document.activeElement !== el) el.focus();
}

/** Read the fields and values again; a second call while one runs asks for one more. */
async function load(s) {
  if (s.loading) { s.again = true; return s.loading; }
  s.loading = (async () => {
    do {
      s.again = false;
      try {
        const fields = await s.ctx.api(`/api/v1/chats/${s.chatId}/fields`);
        if (state !== s) return;
        if (JSON.stringify(fields) === JSON.stringify(s.fields)) continue;
        s.fields = fields;
        s.failed = false;
        draw(s);
      } catch (error) {
        if (state !== s) return;
        if (error?.status === undefined) console.error(error);
        s.failed = !s.fields;
      }
    } while (s.again);
    if (s.failed) draw(s);
  })();
  try { await s.loading; } finally { s.loading = null; }
}

function inputFor(field) {
  const common = { class: "field-input", autocomplete: "off", "aria-label": field.name,
    dataset: { fieldInput: field.id } };
  if (field.kind === "options") {
    const choices = [...field.options];
    if (field.value && !choices.includes(field.value)) choices.unshift(field.value);
    return h("select", common,
      h("option", { value: "", text: t("— vazio —") }),
      choices.map((o) => h("option", { value: o, text: o, selected: o === field.value })));
  }
  if (field.kind === "date") return h("input", { ...common, type: "date", value: field.value || "" });
  const types = { email: "email", phone: "tel" };
  const modes = { number: "decimal", cpf: "numeric", phone: "tel" };
  return h("input", {
    ...common, type: types[field.kind] || "text", inputmode: modes[field.kind] || null,
    placeholder: PLACEHOLDERS[field.kind] || null,
    value: field.kind === "number" || field.kind === "cpf" || field.kind === "cnpj" || field.kind === "phone"
      ? field.display || "" : field.value || "",
  });
}

function startEdit(s, field) {
  if (s.editing && s.editing.fieldId === field.id) return;
  const input = inputFor(field);
  const error = h("p", { class: "name-error field-error", role: "alert", hidden: true });
  const form = h("form", { class: "field-form", novalidate: true },
    h("div", { class: "name-row" }, input,
      h("button", { type: "submit", class: "icon-btn", title: t("Salvar (Enter)"), "aria-label": t("Salvar") }, icon("check", 20)),
      h("button", { type: "button", class: "icon-btn", title: t("Cancelar (Esc)"), "aria-label": t("Cancelar"),
        onclick: () => stopEdit(s) }, icon("close", 20))),
    error);
  s.editing = { fieldId: field.id, form, input, error, saving: false };
  form.addEventListener("submit", (event) => { event.preventDefault(); save(s); });
  input.addEventListener("input", () => { error.hidden = true; });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); stopEdit(s); }
    if (event.key === "Enter" && input.tagName === "SELECT") { event.preventDefault(); save(s); }
  });
  draw(s);
  input.focus();
  if (input.select && input.type !== "date") input.select();
}

function stopEdit(s) {
  const id = s.editing?.fieldId;
  s.editing = null;
  draw(s);
  s.list.querySelector(`[data-field-value="${id}"]`)?.focus();
}

async function save(s) {
  const e = s.editing;
  if (!e || e.saving) return;
  e.saving = true;
  e.input.disabled = true;
  e.error.hidden = true;
  try {
    const field = await s.ctx.api(`/api/v1/chats/${s.chatId}/fields/${e.fieldId}`, {
      method: "PUT", body: { value: e.input.value },
    });
    if (state !== s) return;
    s.fields = (s.fields || []).map((f) => (f.id === field.id ? field : f));
    if (s.editing === e) stopEdit(s);
  } catch (problem) {
    if (s.editing !== e) return;
    showErrorIn(e.error, problem, t("Não foi possível salvar. Tente de novo."));
    e.saving = false;
    e.input.disabled = false;
    e.input.focus();
  }
}

function removeField(s, field) {
  return s.ctx.confirmThen({
    title: t("Excluir o campo “{name}”?", { name: field.name }),
    lines: [
      t("O campo some de todos os chats da conta, não só deste."),
      t("Os valores já preenchidos nele são apagados em todos os chats."),
    ],
    confirm: t("Excluir campo"),
    danger: true,
  }, async () => {
    await s.ctx.api(`/api/v1/fields/${field.id}`, { method: "DELETE", params: { confirm: true } });
    s.ctx.toast(t("Campo “{name}” excluído de todos os chats.", { name: field.name }));
    if (s.editing?.fieldId === field.id) s.editing = null;
    await load(s);
  });
}

function startCreate(s) {
  const name = h("input", { type: "text", class: "field-input", name: "name", autocomplete: "off",
    placeholder: t("Ex.: E-mail, CPF, Aniversário"), "aria-label": t("Nome do novo campo"), maxlength: 80 });
  const kind = h("select", { class: "field-input", name: "kind", "aria-label": t("Tipo do campo") },
    KINDS.map(([value, label]) => h("option", { value, text: label })));
  const options = h("input", { type: "text", class: "field-input", name: "options", autocomplete: "off",
    placeholder: t("Opções separadas por vírgula"), "aria-label": t("Opções"), hidden: true });
  const error = h("p", { class: "name-error field-error", role: "alert", hidden: true });
  const form = h("form", { class: "field-new", novalidate: true },
    h("p", { class: "name-hint", text: t("O campo novo aparece em todos os chats da conta.") }),
    name, kind, options, error,
    h("div", { class: "field-new-actions" },
      h("button", { type: "button", class: "btn", text: t("Cancelar"), onclick: () => { s.creating = null; draw(s); } }),
      h("button", { type: "submit", class: "btn primary", text: t("Criar campo") })));
  kind.addEventListener("change", () => { options.hidden = kind.value !== "options"; });
  form.addEventListener("input", () => { error.hidden = true; });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); s.creating = null; draw(s); }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value, kind: kind.value };
    if (kind.value === "options") body.options = options.value.split(/[,;\n]/).map((o) => o.trim()).filter(Boolean);
    try {
      const field = await s.ctx.api("/api/v1/fields", { method: "POST", body });
      s.ctx.toast(t("Campo “{name}” criado em todos os chats.", { name: field.name }));
      s.creating = null;
      await load(s);
      const created = (s.fields || []).find((f) => f.id === field.id);
      if (created) startEdit(s, created);
    } catch (problem) {
      showErrorIn(error, problem, t("Não foi possível criar o campo."));
      name.focus();
    }
  });
  s.creating = { form, name };
  draw(s);
  name.focus();
}

function draw(s) {
  clear(s.list);
  clear(s.footer);
  const manage = s.ctx.can("manage_fields");
  if (s.fields === null) {
    s.list.append(h("p", { class: "muted", text: s.failed ? t("Não foi possível carregar os campos.") : t("Carregando…") }));
  } else if (!s.fields.length) {
    s.list.append(h("p", { class: "muted", text: t("Nenhum campo personalizado.") }));
  }
  for (const field of s.fields || []) {
    const editing = s.editing?.fieldId === field.id;
    // Phones are seen and changed only by users who may see numbers (the server says so too).
    const locked = field.hidden || (field.kind === "phone" && !s.ctx.can("see_numbers"));
    const value = locked
      ? h("span", { class: `field-value locked${field.value == null && !field.hidden ? " empty" : ""}`,
        dataset: { fieldValue: field.id }, title: t("Só quem pode ver números vê e altera telefones"),
        text: field.display ?? "—" })
      : h("button", {
        type: "button", class: `field-value${field.value == null ? " empty" : ""}`,
        dataset: { fieldValue: field.id }, title: t("Alterar {name}", { name: field.name }),
        text: field.display ?? t("Preencher"), onclick: () => startEdit(s, field),
      });
    s.list.append(
      h("dt", { class: "field-name", dataset: { fieldId: field.id } },
        h("span", { text: field.name }),
        manage ? h("button", { type: "button", class: "icon-btn field-delete", title: t("Excluir o campo {name}", { name: field.name }),
          "aria-label": t("Excluir o campo {name}", { name: field.name }), onclick: () => removeField(s, field) }, icon("close", 14)) : null),
      h("dd", { dataset: { field: field.id } }, editing && !locked ? s.editing.form : value));
  }
  if (s.editing && !(s.fields || []).some((f) => f.id === s.editing.fieldId)) s.editing = null;
  if (s.creating) s.footer.append(s.creating.form);
  else if (manage) {
    s.footer.append(h("button", { type: "button", class: "link-btn field-add", onclick: () => startCreate(s) },
      h("span", { class: "plus", "aria-hidden": "true", text: "+" }), t("Novo campo")));
  }
  restoreFocus(s);
}

window.addEventListener("balcao:account", (event) => {
  if (event.detail?.what === "fields" && state?.node.isConnected) load(state);
});

export default {
  id: "fields",
  render(chat, ctx) {
    if (!state || state.chatId !== chat.id) {
      state = makeState(chat, ctx);
      draw(state);
    }
    state.ctx = ctx;
    const s = state;
    // Every change of the chat (another user's edit included) is a reason to read again.
    load(s);
    queueMicrotask(() => restoreFocus(s));
    return s.node;
  },
};
