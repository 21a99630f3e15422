// Assignees of the chat (I5): the users and departments responsible for it, as chips with a
// remove ×; "Adicionar" opens a picker of the account's users and departments; "Delegar p/
// Fila" hands the chat to the next user of the rotation (I6). Anyone who sees the chat may
// change them. The section keeps one node per chat, so an open picker and its search text
// survive the re-renders that live events cause.
import { t } from "../i18n.js";
import { h, clear, fold } from "../dom.js";
import { icon } from "../icons.js";

let choices = null;
let listening = false;
let state = null;

function choicesOf(ctx) {
  if (!choices) choices = { users: ctx.boot.users || [], departments: ctx.boot.departments || [] };
  return choices;
}

function listen(ctx) {
  if (listening) return;
  listening = true;
  window.addEventListener("balcao:account", async (event) => {
    if (event.detail.what !== "users") return;
    try {
      choices = await ctx.api("/api/v1/assignees/choices");
      if (state?.open) drawOptions();
    } catch (error) { console.error(error); }
  });
}

const key = (a) => `${a.kind}:${a.id}`;

function makeState(chat, ctx) {
  const chips = h("div", { class: "assignee-chips" });
  const addBtn = h("button", {
    type: "button", class: "btn assignee-add", "aria-expanded": "false", "aria-controls": "assignee-picker",
  }, icon("person", 16), t("Adicionar"));
  const queueBtn = h("button", {
    type: "button", class: "btn assignee-delegate", title: t("O chat vai para o próximo usuário do rodízio"),
  }, t("Delegar p/ Fila"));
  const filter = h("input", {
    type: "search", class: "assignee-filter", autocomplete: "off",
    placeholder: t("Buscar usuário ou departamento"), "aria-label": t("Buscar usuário ou departamento"),
  });
  const options = h("ul", { class: "assignee-options", role: "listbox", "aria-label": t("Usuários e departamentos") });
  const picker = h("div", { id: "assignee-picker", class: "assignee-picker", hidden: true }, filter, options);
  const node = h("section", { class: "info-card", dataset: { section: "assignees" } },
    h("h3", { text: t("Responsáveis") }), chips,
    h("div", { class: "assignee-actions" }, addBtn, queueBtn), picker);
  const s = { chatId: chat.id, chat, ctx, node, chips, addBtn, queueBtn, filter, options, picker,
    open: false, busy: false, filterFocused: false };

  addBtn.addEventListener("click", () => setOpen(!s.open));
  queueBtn.addEventListener("click", () => delegate());
  filter.addEventListener("input", () => drawOptions());
  filter.addEventListener("focus", () => { s.filterFocused = true; });
  // A re-render takes the node out of the page for a moment; that is not the user leaving.
  filter.addEventListener("blur", () => { if (filter.isConnected) s.filterFocused = false; });
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); setOpen(false); addBtn.focus(); }
    if (event.key === "Enter") {
      event.preventDefault();
      options.querySelector("button")?.click();
    }
  });
  return s;
}

function setOpen(open) {
  state.open = open;
  state.picker.hidden = !open;
  state.addBtn.setAttribute("aria-expanded", String(open));
  if (open) {
    state.filter.value = "";
    drawOptions();
    state.filter.focus();
  }
}

function drawOptions() {
  const s = state;
  const taken = new Set(s.chat.assignees.map(key));
  const wanted = fold(s.filter.value.trim());
  const { users, departments } = choicesOf(s.ctx);
  const all = [
    ...departments.map((d) => ({ kind: "department", id: d.id, name: d.name })),
    ...users.map((u) => ({ kind: "user", id: u.id, name: u.name })),
  ].filter((a) => !taken.has(key(a)) && (!wanted || fold(a.name).includes(wanted)));
  clear(s.options);
  if (!all.length) {
    s.options.append(h("li", { class: "muted assignee-none", text: t("Ninguém para adicionar.") }));
    return;
  }
  for (const a of all) {
    s.options.append(h("li", { role: "option" },
      h("button", {
        type: "button", class: "assignee-option", dataset: { kind: a.kind, id: String(a.id) },
        onclick: () => add(a),
      },
      icon(a.kind === "department" ? "group" : "person", 16),
      h("span", { class: "assignee-option-name", text: a.name }),
      h("span", { class: "muted assignee-option-kind", text: a.kind === "department" ? t("Departamento") : t("Usuário") }))));
  }
}

function drawChips() {
  const s = state;
  clear(s.chips);
  if (!s.chat.assignees.length) {
    s.chips.append(h("span", { class: "muted", text: t("Sem responsável") }));
    return;
  }
  for (const a of s.chat.assignees) {
    s.chips.append(h("span", { class: "tag assignee-chip", dataset: { kind: a.kind, id: String(a.id) } },
      icon(a.kind === "department" ? "group" : "person", 15),
      h("span", { text: a.name }),
      h("button", {
        type: "button", class: "assignee-remove", title: t("Remover {name}", { name: a.name }), "aria-label": t("Remover {name}", { name: a.name }),
        disabled: s.busy, onclick: () => remove(a),
      }, icon("close", 14))));
  }
}

/** Run a change; the answer's chat (null once this user may not see it) updates the page. */
async function change(run) {
  const s = state;
  if (s.busy) return null;
  s.busy = true;
  s.node.setAttribute("aria-busy", "true");
  s.addBtn.disabled = s.queueBtn.disabled = true;
  drawChips();
  try {
    const result = await run();
    if (result.chat) s.ctx.showChat(result.chat);
    else s.ctx.toast(t("Este chat não está mais com você."));
    return result;
  } catch (error) {
    s.ctx.showError(error);
    return null;
  } finally {
    s.busy = false;
    s.node.removeAttribute("aria-busy");
    s.addBtn.disabled = s.queueBtn.disabled = false;
    if (state === s) drawChips();
  }
}

async function add(a) {
  const s = state;
  setOpen(false);
  await change(() => s.ctx.api(`/api/v1/chats/${s.chatId}/assignees`, {
    method: "POST", body: { kind: a.kind, id: a.id },
  }));
}

/** Removing oneself hides the chat from a user who sees it only through that assignment. */
function losesChat(s, a) {
  const me = s.ctx.boot.me;
  if (a.kind !== "user" || a.id !== me.id || s.ctx.can("see_all_chats")) return false;
  const mine = new Set(me.departments || []);
  return !s.chat.assignees.some((x) => x.kind === "department" && mine.has(x.id));
}

async function remove(a) {
  const s = state;
  if (losesChat(s, a)) {
    const ok = await s.ctx.confirmDialog({
      title: t("Deixar de ser responsável por este chat?"),
      lines: [t("Você deixará de ver este chat e as mensagens dele.")],
      confirm: t("Remover"),
      danger: true,
    });
    if (!ok || state !== s) return;
  }
  await change(() => s.ctx.api(`/api/v1/chats/${s.chatId}/assignees/${a.kind}/${a.id}`, { method: "DELETE" }));
}

async function delegate() {
  const s = state;
  const result = await change(() => s.ctx.api(`/api/v1/chats/${s.chatId}/delegate`, { method: "POST" }));
  if (result?.delegated_to) s.ctx.toast(t("Chat delegado para {name}.", { name: result.delegated_to.name }));
}

export default {
  id: "assignees",
  render(chat, ctx) {
    listen(ctx);
    if (!state || state.chatId !== chat.id) state = makeState(chat, ctx);
    state.chat = chat;
    state.ctx = ctx;
    drawChips();
    if (state.open) drawOptions();
    if (state.open && state.filterFocused) queueMicrotask(() => state.filter.focus());
    return state.node;
  },
};
