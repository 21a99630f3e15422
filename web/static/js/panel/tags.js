// The chat's tags (I7): chips with × to take one off, a picker to put an existing tag on
// (type to filter) and, for who may manage tags, "Criar tag" with the typed name.
// The section keeps one node per open chat, so the picker (open, typed text) survives the
// re-renders that live events cause.
import { t } from "../i18n.js";
import { showErrorIn } from "../api.js";
import { h, clear, fold } from "../dom.js";
import { icon } from "../icons.js";

const COLORS = ["#5b8def", "#35cd96", "#f4a261", "#e26ab6", "#ff8d85", "#7d88e6", "#ffbc38", "#9bb4c1"];

let state = null;

/** The account's tags as the page knows them now (refreshed when they change). */
const accountTags = (ctx) => ctx.boot.tags || [];

function makeState(chat, ctx) {
  const input = h("input", {
    type: "search", class: "tag-search", autocomplete: "off", placeholder: t("Buscar tag…"),
    "aria-label": t("Buscar tag"),
  });
  const options = h("ul", { class: "tag-options", role: "listbox", "aria-label": t("Tags") });
  const error = h("p", { class: "name-error", role: "alert", hidden: true });
  const picker = h("div", { class: "tag-picker", hidden: true }, input, options, error);
  const chips = h("div", { class: "tag-chips" });
  const toggle = h("button", { type: "button", class: "link-btn tag-add", "aria-expanded": "false" },
    h("span", { class: "plus", "aria-hidden": "true", text: "+" }), t("Adicionar tag"));
  const node = h("section", { class: "info-card", dataset: { section: "tags" } },
    h("h3", { text: t("Tags") }), chips, toggle, picker);
  const s = { chatId: chat.id, chat, ctx, node, chips, toggle, picker, input, options, error, busy: false,
    lastFocus: null };
  // The focused control, given back after re-renders (which take the node out and back in).
  node.addEventListener("focusin", (event) => { s.lastFocus = event.target; });
  node.addEventListener("focusout", () => setTimeout(() => {
    if (node.isConnected && !node.contains(document.activeElement)) s.lastFocus = null;
  }));
  toggle.addEventListener("click", () => (picker.hidden ? open(s) : close(s)));
  input.addEventListener("input", () => { s.error.hidden = true; drawOptions(s); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(s); s.toggle.focus(); }
    if (event.key === "Enter") {
      event.preventDefault();
      const first = s.options.querySelector("button");
      if (first) first.click();
    }
    if (event.key === "ArrowDown") { event.preventDefault(); s.options.querySelector("button")?.focus(); }
  });
  options.addEventListener("keydown", (event) => {
    const items = [...s.options.querySelectorAll("button")];
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at >= 0) { event.preventDefault(); items[Math.min(at + 1, items.length - 1)].focus(); }
    if (event.key === "ArrowUp" && at >= 0) { event.preventDefault(); (at === 0 ? s.input : items[at - 1]).focus(); }
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(s); s.toggle.focus(); }
  });
  return s;
}

function open(s) {
  s.picker.hidden = false;
  s.toggle.setAttribute("aria-expanded", "true");
  drawOptions(s);
  s.input.focus();
}

function close(s) {
  s.picker.hidden = true;
  s.toggle.setAttribute("aria-expanded", "false");
  s.input.value = "";
  s.error.hidden = true;
}

function fail(s, problem) {
  showErrorIn(s.error, problem, t("Não foi possível salvar. Tente de novo."));
}

async function run(s, work) {
  if (s.busy) return;
  s.busy = true;
  s.node.setAttribute("aria-busy", "true");
  try { await work(); } catch (problem) {
    if (s.picker.hidden) s.ctx.showError(problem); else fail(s, problem);
  } finally {
    s.busy = false;
    s.node.removeAttribute("aria-busy");
  }
}

function addTag(s, tag) {
  return run(s, async () => {
    const chat = await s.ctx.api(`/api/v1/chats/${s.chatId}/tags/${tag.id}`, { method: "PUT" });
    close(s);
    s.ctx.showChat(chat);
    s.toggle.focus();
  });
}

function removeTag(s, tag) {
  return run(s, async () => {
    const chat = await s.ctx.api(`/api/v1/chats/${s.chatId}/tags/${tag.id}`, { method: "DELETE" });
    s.ctx.showChat(chat);
  });
}

function createTag(s, name) {
  return run(s, async () => {
    const color = COLORS[accountTags(s.ctx).length % COLORS.length];
    const tag = await s.ctx.api("/api/v1/tags", { method: "POST", body: { name, color } });
    const known = accountTags(s.ctx);
    if (!known.some((t) => t.id === tag.id)) s.ctx.boot.tags = [...known, tag];
    const chat = await s.ctx.api(`/api/v1/chats/${s.chatId}/tags/${tag.id}`, { method: "PUT" });
    close(s);
    s.ctx.toast(t("Tag “{name}” criada.", { name: tag.name }));
    s.ctx.showChat(chat);
    s.toggle.focus();
  });
}

/** The chat's tags with the account's current names and colours. */
function shownTags(s) {
  const byId = new Map(accountTags(s.ctx).map((t) => [t.id, t]));
  return s.chat.tags.map((t) => byId.get(t.id) || t);
}

function drawChips(s) {
  clear(s.chips);
  const tags = shownTags(s);
  if (!tags.length) s.chips.append(h("span", { class: "muted", text: t("Nenhuma tag") }));
  for (const tag of tags) {
    s.chips.append(h("span", { class: "tag", dataset: { tagId: tag.id } },
      h("span", { class: "tag-dot", style: { background: tag.color || "#8696a0" } }),
      h("span", { class: "tag-name", text: tag.name }),
      h("button", {
        type: "button", class: "tag-remove", title: t("Tirar a tag {name}", { name: tag.name }),
        "aria-label": t("Tirar a tag {name}", { name: tag.name }), onclick: () => removeTag(s, tag),
      }, icon("close", 14))));
  }
}

function drawOptions(s) {
  if (s.picker.hidden) return;
  clear(s.options);
  const query = s.input.value.trim().replace(/\s+/g, " ");
  const wanted = fold(query);
  const has = new Set(s.chat.tags.map((t) => t.id));
  const all = accountTags(s.ctx);
  const choices = all.filter((t) => !has.has(t.id) && fold(t.name).includes(wanted));
  for (const t of choices) {
    s.options.append(h("li", { role: "presentation" },
      h("button", { type: "button", role: "option", class: "tag-option", dataset: { tagId: t.id },
        onclick: () => addTag(s, t) },
      h("span", { class: "tag-dot", style: { background: t.color || "#8696a0" } }), t.name)));
  }
  const exists = all.some((t) => fold(t.name) === wanted);
  if (query && !exists && s.ctx.can("manage_tags")) {
    s.options.append(h("li", { role: "presentation" },
      h("button", { type: "button", role: "option", class: "tag-option tag-create",
        onclick: () => createTag(s, query) },
      h("span", { class: "plus", "aria-hidden": "true", text: "+" }), t("Criar tag “{query}”", { query }))));
  }
  if (!s.options.firstChild) {
    s.options.append(h("li", { class: "muted tag-empty", text: all.length && !query
      ? t("O chat já tem todas as tags.")
      : query ? t("Nenhuma tag com esse nome.") : t("Nenhuma tag criada ainda.") }));
  }
}

// The account's tags changed (created, renamed, recoloured, deleted): the open chat is read
// again, so a deleted tag leaves its chips too.
window.addEventListener("balcao:account", (event) => {
  if (event.detail?.what !== "tags" || !state || !state.node.isConnected) return;
  const s = state;
  s.ctx.api(`/api/v1/chats/${s.chatId}`).then((chat) => {
    if (state === s && chat?.id === s.chatId) s.ctx.showChat(chat);
  }, () => {});
});

export default {
  id: "tags",
  render(chat, ctx) {
    if (!state || state.chatId !== chat.id) state = makeState(chat, ctx);
    state.chat = chat;
    state.ctx = ctx;
    const s = state;
    drawChips(s);
    drawOptions(s);
    queueMicrotask(() => {
      const el = s.lastFocus;
      if (el && el.isConnected && s.node.contains(el) && document.activeElement !== el) el.focus();
    });
    return s.node;
  },
};
