// The inbox page: wires list, search, conversation, composer, info panel and live events.
import { toQuery } from "./api.js";
import { createAlerts } from "./alerts.js";
import { createComposer } from "./composer.js";
import { createConversation } from "./conversation.js";
import { createDeviceStatus } from "./devices.js";
import { fromURL, initFilters, toParams } from "./filters.js";
import { setTimeZone } from "./format.js";
import { fillIcons } from "./icons.js";
import { createInfo } from "./info.js";
import { createList } from "./list.js";
import { connectLive } from "./live.js";
import { createSearch } from "./search.js";

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

const info = createInfo({
  canSeeNumbers: boot.can_see_numbers,
  onClose() { if (narrow()) shell.dataset.pane = "conv"; else info.show(false); },
});

const conversation = createConversation({
  me: boot.me,
  onRetry: (message) => composer.retry(message),
  onInfo() {
    if (narrow()) { info.show(true); shell.dataset.pane = "info"; } else info.show(!info.open);
  },
  onBack() { shell.dataset.pane = "list"; openId = null; list.select(null); writeURL(); },
});

const composer = createComposer({ me: boot.me, conversation });

async function openChat(id, { around = null, push = true } = {}) {
  composer.switchTo(id);
  openId = id;
  list.select(id);
  writeURL(push);
  shell.dataset.pane = "conv";
  const chat = await conversation.open(id, { around });
  if (!chat || openId !== id) return;
  info.render(chat);
  if (wide()) info.show(true);
  if (!narrow()) composer.focus();
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
document.addEventListener("visibilitychange", () => { if (!document.hidden) alerts.restoreTitle(); });

// Customers' messages wait for their chat.updated (which carries the assignees) to alert.
const arrived = new Map();

const live = connectLive({
  onUp(again) {
    devices.setLive(true);
    if (again) { list.reload(); conversation.catchUp(); }
  },
  onDown() { devices.setLive(false); },
  onEvent(event) {
    switch (event.type) {
      case "message.received":
        conversation.receive([event.message]);
        if (event.message.direction === "in") arrived.set(event.chat_id, event.message);
        break;
      case "message.sent":
        conversation.receive([event.message]);
        break;
      case "message.status":
        conversation.receive([event.message], { knownOnly: true });
        break;
      case "chat.updated": {
        const chat = event.chat;
        list.upsert(chat);
        if (chat.id === openId) { conversation.updateChat(chat); info.render(conversation.chat); }
        const message = arrived.get(chat.id);
        if (message) {
          arrived.delete(chat.id);
          const focused = chat.id === openId && document.hasFocus() && !document.hidden;
          alerts.message(chat, message, { focused });
        }
        break;
      }
      case "chat.removed":
        list.remove(event.chat_id);
        if (event.chat_id === openId) { openId = null; conversation.close(); info.show(false); writeURL(); }
        break;
      case "device.status":
        devices.set(event.devices);
        break;
      default:
        break;
    }
  },
});

window.balcao = { live, list, conversation };
