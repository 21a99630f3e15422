// The chat list: pages by cursor (infinite scroll), rows built as text, live reordering.
import { api, showError } from "./api.js";
import { h, clear, avatar, fold } from "./dom.js";
import { listTime, tick } from "./format.js";
import { matches, toParams } from "./filters.js";

const PAGE = 50;

// Sort keys per ordering, as the server sorts: [value, descending?] pairs, then the id.
const KEYS = {
  recent: (c) => [[c.last_message_at || "", true]],
  unread: (c) => [[c.unread_count > 0 ? 1 : 0, true], [c.last_message_at || "", true]],
  name: (c) => [[fold(c.name), false]],
  registered: (c) => [[c.registered_at || "", true]],
  waiting: (c) => [[c.waiting_since || "", false]],
};

function before(order, a, b) {
  const ka = KEYS[order](a), kb = KEYS[order](b);
  for (let i = 0; i < ka.length; i += 1) {
    const [x, desc] = ka[i], [y] = kb[i];
    if (x !== y) return desc ? x > y : x < y;
  }
  return order === "name" || order === "waiting" ? a.id < b.id : a.id > b.id;
}

export function createList({ onOpen, onUnreadChange }) {
  const ul = document.getElementById("chat-list");
  const scroller = document.getElementById("list-scroll");
  const sentinel = document.getElementById("list-more");
  const empty = document.getElementById("list-empty");
  let filters = null;
  let chats = [];
  const rows = new Map();
  let cursor = null;
  let loading = false;
  // Live changes that come while a page is on its way: the page was read before them, so
  // they are applied once it lands (a reload must not bring back an older chat).
  let lateLive = new Map();
  let generation = 0;
  let activeId = null;

  function row(chat) {
    const last = chat.last_message_from_me && chat.last_message_status ? tick(chat.last_message_status) : null;
    const li = h("li", {
      class: `chat${chat.unread_count > 0 ? " unread" : ""}${chat.id === activeId ? " active" : ""}`,
      dataset: { chatId: chat.id }, tabindex: "0",
    },
    avatar(chat.name, chat.id),
    h("div", { class: "chat-body" },
      h("div", { class: "row1" },
        h("span", { class: "name", text: chat.name }),
        h("span", { class: "time", text: listTime(chat.last_message_at) })),
      h("div", { class: "row2" },
        last,
        h("span", { class: "preview", text: chat.last_message_preview || "" }),
        chat.tags.length ? h("span", { class: "tags" }, chat.tags.slice(0, 4).map((t) =>
          h("span", { class: "tag-dot", title: t.name, style: { background: t.color || "#8696a0" } }))) : null,
        chat.unread_count > 0 ? h("span", { class: "badge", text: String(chat.unread_count) }) : null)));
    return li;
  }

  function render() {
    clear(ul);
    rows.clear();
    for (const chat of chats) {
      const li = row(chat);
      rows.set(chat.id, li);
      ul.append(li);
    }
    empty.hidden = chats.length > 0 || loading;
    onUnreadChange(chats.filter((c) => c.unread_count > 0).length);
  }

  async function load(reset) {
    if (loading && !reset) return;
    if (!reset && !cursor) return;
    const mine = reset ? ++generation : generation;
    loading = true;
    scroller.classList.add("loading");
    try {
      const page = await api("/api/v1/chats", {
        params: { ...toParams(filters), cursor: reset ? null : cursor, limit: PAGE },
      });
      if (mine !== generation) return;
      if (reset) chats = [];
      const known = new Set(chats.map((c) => c.id));
      chats.push(...page.items.filter((c) => !known.has(c.id)));
      cursor = page.next_cursor;
    } catch (error) {
      if (mine === generation) showError(error);
    } finally {
      if (mine === generation) {
        loading = false;
        scroller.classList.remove("loading");
        render();
        const late = lateLive;
        lateLive = new Map();
        for (const [id, chat] of late) { if (chat) upsert(chat); else remove(id); }
        if (cursor && sentinel.getBoundingClientRect().top < scroller.getBoundingClientRect().bottom + 300) {
          load(false);
        }
      }
    }
  }

  /** A chat changed (live): update, move to its place, or drop it if it no longer fits. */
  function upsert(chat) {
    if (loading) { lateLive.set(chat.id, chat); return; }
    const at = chats.findIndex((c) => c.id === chat.id);
    if (at >= 0) chats.splice(at, 1);
    // Under "Não lidas" the open chat stays once read (as WhatsApp Web keeps it) until the
    // list is loaded again.
    const stays = chat.id === activeId && at >= 0 && filters.unread
      && matches({ ...filters, unread: false }, chat);
    if (!matches(filters, chat) && !stays) { if (at >= 0) render(); return; }
    let index = chats.findIndex((c) => before(filters.order, chat, c));
    if (index < 0) {
      if (cursor) { if (at >= 0) render(); return; } // beyond the loaded pages
      index = chats.length;
    }
    chats.splice(index, 0, chat);
    const old = rows.get(chat.id);
    const li = row(chat);
    rows.set(chat.id, li);
    if (old) old.replaceWith(li);
    const next = chats[index + 1] ? rows.get(chats[index + 1].id) : null;
    if (next) ul.insertBefore(li, next); else ul.append(li);
    empty.hidden = chats.length > 0;
    onUnreadChange(chats.filter((c) => c.unread_count > 0).length);
  }

  function remove(id) {
    if (loading) { lateLive.set(id, null); return; }
    const at = chats.findIndex((c) => c.id === id);
    if (at < 0) return;
    chats.splice(at, 1);
    rows.get(id)?.remove();
    rows.delete(id);
    empty.hidden = chats.length > 0;
  }

  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) load(false);
  }, { root: scroller, rootMargin: "300px" }).observe(sentinel);

  ul.addEventListener("click", (event) => {
    const li = event.target.closest(".chat");
    if (li) onOpen(Number(li.dataset.chatId));
  });
  ul.addEventListener("keydown", (event) => {
    const li = event.target.closest(".chat");
    if (li && event.key === "Enter") onOpen(Number(li.dataset.chatId));
  });

  return {
    /** New filters: the first page again. ``firstPage`` is one the server already sent. */
    setFilters(next, firstPage = null) {
      filters = next;
      if (firstPage) {
        generation += 1;
        chats = firstPage.items.slice();
        cursor = firstPage.next_cursor;
        render();
        return Promise.resolve();
      }
      scroller.scrollTop = 0;
      return load(true);
    },
    reload() { return load(true); },
    select(id) {
      activeId = id;
      for (const [chatId, li] of rows) li.classList.toggle("active", chatId === id);
    },
    get(id) { return chats.find((c) => c.id === id) || null; },
    upsert,
    remove,
  };
}
