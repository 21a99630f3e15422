// The inbox page: wires list, search, conversation, composer, info panel and live events.
import { t } from "./i18n.js";
import { api, showError, toast, toQuery } from "./api.js";
import { createAlerts } from "./alerts.js";
import { createComposer } from "./composer.js";
import { createConversation } from "./conversation.js";
import { createDeviceStatus } from "./devices.js";
import { confirmDialog, confirmThen } from "./dialog.js";
import { fromURL, initFilters, toParams } from "./filters.js";
import { setTimeZone } from "./format.js";
import { fillIcons } from "./icons.js";
import { createInfo } from "./info.js";
import { createList } from "./list.js";
import { connectLive } from "./live.js";
import { createSearch } from "./search.js";
import { initNewChat } from "./new-chat.js";
import { createStatusButton } from "./status-button.js";

const boot = JSON.parse(document.getElementById("boot").textContent);
setTimeZone(boot.time_zone);
fillIcons();
const shell = document.getElementById("app");
const wide = () => window.matchMedia("(min-width: 1181px)").matches;
const narrow = () => window.matchMedia("(max-width: 760px)").matches;

let filters = fromURL(window.location.search);
let openId = null;

function writeURL(push = false) {
  const query = toQuery({ ...toParams(filters), q: search.query || null, chat: openId });
  const url = query ? `/?${query}` : "/";
  if (url === `${window.location.pathname}${window.location.search}`) return;
  window.history[push ? "pushState" : "replaceState"](null, "", url);
}

const alerts = createAlerts({ me: boot.me });
const devices = createDeviceStatus();
devices.set(boot.devices);

const can = (permission) => (boot.me.permissions || []).includes(permission);

/** A chat as the server has it now (an answer, or a live event): list, header, info panel. */
function showChat(chat) {
  list.upsert(chat);
  if (chat.id === openId) { conversation.updateChat(chat); info.render(conversation.chat); statusButton.render(conversation.chat); }
}

function showInfo() {
  info.show(true);
  if (narrow()) shell.dataset.pane = "info";
}

const reading = new Set();
/** Mark the chat read (C8): on opening it, or when a message arrives while it is on screen. */
async function markRead(id) {
  if (reading.has(id)) return;
  reading.add(id);
  try {
    showChat(await api(`/api/v1/chats/${id}/read`, { method: "POST" }));
  } catch (error) { showError(error); } finally { reading.delete(id); }
}

// The chat's more-options menu: C5 rename, C8 read / unread, C12 clear (with the permission).
const chatActions = {
  rename() { showInfo(); info.edit(); },
  markRead(chat) { markRead(chat.id); },
  async markUnread(chat) {
    try {
      showChat(await api(`/api/v1/chats/${chat.id}/unread`, { method: "POST" }));
    } catch (error) { showError(error); }
  },
  clear: can("delete_messages") ? (chat) => confirmThen({
    title: t("Apagar todas as mensagens de {name}?", { name: chat.name }),
    lines: [
      t("As mensagens são apagadas só no Balcão, para todos os usuários."),
      t("O WhatsApp do celular servidor não muda: a conversa continua inteira no aparelho."),
      t("Mensagens ainda na fila de envio são mantidas."),
    ],
    confirm: t("Apagar mensagens"),
    danger: true,
  }, async () => {
    const result = await api(`/api/v1/chats/${chat.id}/clear`, { method: "POST" });
    showChat(result.chat);
    if (result.chat.id === openId) await conversation.refresh();
    toast(result.deleted === 1 ? t("1 mensagem apagada no Balcão.")
      : t("{deleted} mensagens apagadas no Balcão.", { deleted: result.deleted }));
  }) : null,
};

/** What the info panel's sections and the admin screens share (see panel/index.js). */
const ctx = {
  boot,
  modules: { ...(boot.modules || {}) },
  can,
  api,
  showChat,
  showError,
  toast,
  confirmDialog,
  confirmThen,
};

const info = createInfo({
  canSeeNumbers: boot.can_see_numbers,
  ctx,
  onClose() { if (narrow()) shell.dataset.pane = "conv"; else info.show(false); },
  /** Blank goes back to the WhatsApp name; errors (ApiError) carry the server's message. */
  async onRename(id, name) {
    const chat = await api(`/api/v1/chats/${id}`, {
      method: "PATCH", body: { custom_name: name.trim() ? name : null },
    });
    showChat(chat);
    return chat.id === openId ? conversation.chat : chat;
  },
});

const conversation = createConversation({
  me: boot.me,
  actions: chatActions,
  can: (deviceId, capability) => devices.can(deviceId, capability),
  onRetry: (message) => composer.retry(message),
  onInfo() {
    if (narrow()) showInfo(); else info.show(!info.open);
  },
  onBack() { shell.dataset.pane = "list"; openId = null; list.select(null); writeURL(); },
});

const composer = createComposer({ me: boot.me, conversation });
const statusButton = createStatusButton({ ctx });

async function openChat(id, { around = null, push = true } = {}) {
  composer.switchTo(id);
  openId = id;
  list.select(id);
  writeURL(push);
  shell.dataset.pane = "conv";
  const chat = await conversation.open(id, { around });
  if (!chat || openId !== id) return;
  info.render(chat);
  statusButton.render(chat);
  if (wide()) info.show(true);
  if (!narrow()) composer.focus();
  // Opening a chat reads it, as WhatsApp Web does.
  if (chat.unread_count > 0) markRead(id);
}

const list = createList({
  onOpen: (id) => openChat(id),
  onUnreadChange: (n) => alerts.setUnread(n),
});

const search = createSearch({
  onOpen: (chatId, messageId) => openChat(chatId, { around: messageId }),
  onQuery: () => writeURL(),
});

const filterForm = initFilters({
  boot,
  onChange(next) {
    filters = next;
    shownList = toQuery(toParams(filters));
    writeURL();
    list.setFilters(filters);
  },
});

let shownList = null;

/** The state in the URL: filters, search and the open chat (on load and on back/forward). */
function applyURL(first) {
  filters = fromURL(window.location.search);
  filterForm.set(filters);
  const q = new URLSearchParams(window.location.search);
  const listQuery = toQuery(toParams(filters));
  if (first || listQuery !== shownList) {
    shownList = listQuery;
    list.setFilters(filters, first && !listQuery ? boot.first_page : null);
  }
  search.set(q.get("q") || "", { fromUser: false });
  const chat = Number(q.get("chat")) || null;
  if (chat && chat !== openId) openChat(chat, { push: false });
  else if (!chat && openId) { openId = null; conversation.close(); info.show(false); shell.dataset.pane = "list"; }
}
applyURL(true);
window.addEventListener("popstate", () => applyURL(false));
window.addEventListener("balcao:open", (event) => openChat(Number(event.detail)));
// A customer's message reached the open chat while the page was in the background: it is
// read when staff come back to it.
let unseen = null;
function back() {
  if (document.hidden || !document.hasFocus()) return;
  alerts.restoreTitle();
  if (unseen != null && unseen === openId && conversation.chat?.unread_count > 0) markRead(unseen);
  unseen = null;
}
document.addEventListener("visibilitychange", back);
window.addEventListener("focus", back);

// Customers' messages wait for their chat.updated (which carries the assignees) to alert.
const arrived = new Map();
// Chats whose chat.updated follows message events; one without is a change made by hand
// (rename, read, unread, clear...), after which the open conversation checks its messages.
const withMessages = new Set();

function dropChat(id) {
  list.remove(id);
  if (id === openId) { openId = null; conversation.close(); info.show(false); writeURL(); }
}

/** Tags, fields, statuses, funnels, modules or users changed: parts that show them reload. */
async function accountChanged(what) {
  if (what === "modules") {
    try { Object.assign(ctx.modules, await api("/api/v1/modules/enabled")); } catch (error) { console.error(error); }
  }
  if (what === "tags") {
    try { boot.tags = await api("/api/v1/tags"); } catch (error) { console.error(error); }
    list.reload();
  }
  window.dispatchEvent(new CustomEvent("balcao:account", { detail: { what } }));
  if (openId && conversation.chat) info.render(conversation.chat);
}

const live = connectLive({
  onUp(again) {
    devices.setLive(true);
    if (again) { list.reload(); conversation.catchUp().then(() => conversation.refresh()); }
  },
  onDown() { devices.setLive(false); },
  onEvent(event) {
    switch (event.type) {
      case "message.received":
        withMessages.add(event.chat_id);
        conversation.receive([event.message]);
        if (event.message.direction === "in") arrived.set(event.chat_id, event.message);
        break;
      case "message.sent":
        withMessages.add(event.chat_id);
        conversation.receive([event.message]);
        break;
      case "message.status":
        withMessages.add(event.chat_id);
        conversation.receive([event.message], { knownOnly: true });
        break;
      case "chat.updated": {
        const chat = event.chat;
        const byHand = !withMessages.delete(chat.id);
        showChat(chat);
        if (byHand && chat.id === openId) conversation.refresh();
        const message = arrived.get(chat.id);
        if (message) {
          arrived.delete(chat.id);
          const focused = chat.id === openId && document.hasFocus() && !document.hidden;
          alerts.message(chat, message, { focused });
          if (chat.id === openId && chat.unread_count > 0) {
            if (focused) markRead(chat.id); else unseen = chat.id;
          }
        }
        break;
      }
      case "chat.removed":
        dropChat(event.chat_id);
        break;
      case "chat.hidden":
        // An assignee change took the chat away from this user.
        if (event.chat_id === openId) toast(t("Este chat não está mais com você."));
        dropChat(event.chat_id);
        break;
      case "account.changed":
        accountChanged(event.what);
        break;
      case "device.status":
        devices.set(event.devices);
        break;
      default:
        break;
    }
  },
});

// L12: a chat added by number opens at once.
initNewChat({ ctx, onOpen(chat) { showChat(chat); openChat(chat.id); } });

window.balcao = { live, list, conversation, ctx };
