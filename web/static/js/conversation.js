// The open conversation: bubbles by author, day separators, ticks, media, paging both ways.
import { t } from "./i18n.js";
import { api, showError, toast } from "./api.js";
import { h, clear, avatar } from "./dom.js";
import { icon } from "./icons.js";
import { dateTimeOf, dayKey, dayLabel, gap, phoneOf, tick, timeOf } from "./format.js";
import { mediaBlock } from "./media.js";

const PAGE = 50;
const NEAR_BOTTOM = 150;

const AUTHOR_DETAIL = {
  customer: () => t("Cliente"),
  user: (m) => t("Usuário: {name}", { name: m.author?.name || "—" }),
  phone: () => t("O próprio celular servidor"),
  chatbot: () => t("Chatbot (não há detalhes)"),
  system: () => t("Sistema"),
};

/** Whether ``a`` comes after ``b`` in the conversation (pending ones, without id, last). */
function later(a, b) {
  if ((a.id == null) !== (b.id == null)) return a.id == null;
  const ta = Date.parse(a.sent_at), tb = Date.parse(b.sent_at);
  return ta === tb ? (a.id ?? 0) > (b.id ?? 0) : ta > tb;
}

function authorLine(m) {
  if (m.author_kind === "user" && m.author?.name) return m.author.name;
  if (m.author_kind === "phone") return [icon("phone", 13), t(" Enviada pelo celular")];
  if (m.author_kind === "chatbot") return [icon("bot", 13), t(" Chatbot")];
  return null;
}

function details(m) {
  const lines = [
    h("div", {}, m.direction === "in" ? t("Enviada pelo cliente: ") : t("Enviada: "), h("b", { text: dateTimeOf(m.sent_at) })),
    h("div", {}, t("Registrada no Balcão: "), h("b", { text: dateTimeOf(m.registered_at) })),
  ];
  if (m.late) {
    const ms = new Date(m.registered_at) - new Date(m.sent_at);
    lines.push(h("div", { class: "late" }, icon("warning", 13), t(" {delay} de atraso: o celular servidor pode estar com problemas.", { delay: gap(ms) })));
  }
  lines.push(h("div", { text: t("Autor: {author}", { author: (AUTHOR_DETAIL[m.author_kind] || AUTHOR_DETAIL.system)(m) }) }));
  if (m.direction === "out" && m.status_at) {
    lines.push(h("div", { text: t("Situação: {status} ({when})", { status: tick(m.status).title, when: dateTimeOf(m.status_at) }) }));
  }
  return h("div", { class: "details" }, lines);
}

/** ``actions``: what staff change on the chat from its menu (rename, markRead, markUnread and,
 * for who may, clear), each called with the open chat. */
// What each of the phone's jobs needs of the device's driver (wire/contract.py Capability).
const NEEDS = { sync: "history", recheck: "recheck", photo: "photos" };

/** ``can(deviceId, capability)``: whether the chat's phone can do it (devices.js). */
export function createConversation({ me, onRetry, onInfo, onBack, actions, can = () => true }) {
  const section = document.getElementById("conv");
  const emptyState = document.getElementById("conv-empty");
  const scroller = document.getElementById("messages-scroll");
  const box = document.getElementById("messages");
  const olderBar = document.getElementById("older-bar");
  const toLatest = document.getElementById("to-latest");
  const menu = document.getElementById("conv-menu");
  const menuButton = document.getElementById("conv-menu-btn");

  let chat = null;
  let msgs = [];
  let olderCursor = null;
  let newerCursor = null;
  let busy = false;
  let opening = 0;

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM;
  // Kept at the bottom while it is there, also when bubbles change height after layout.
  let pinned = false;
  const toBottom = () => {
    pinned = true;
    scroller.scrollTop = scroller.scrollHeight;
    toLatest.hidden = !newerCursor;
  };
  new ResizeObserver(() => { if (pinned) scroller.scrollTop = scroller.scrollHeight; }).observe(box);

  /** A new group of bubbles (with a tail and the author's name) starts here. */
  function startsGroup(prev, m) {
    return !prev || prev.direction !== m.direction || prev.author_kind !== m.author_kind
      || (prev.author?.id ?? null) !== (m.author?.id ?? null) || dayKey(prev.sent_at) !== dayKey(m.sent_at);
  }

  function bubble(m, first = true) {
    const out = m.direction === "out";
    const cls = ["msg", m.author_kind === "system" ? "system" : out ? "out" : "in", m.author_kind];
    const author = authorLine(m);
    const toggle = h("button", { type: "button", class: "details-btn", title: t("Detalhes da mensagem"), "aria-expanded": "false" }, icon("expand", 16));
    const meta = h("span", { class: m.body ? "meta" : "meta block" },
      m.late ? h("span", { class: "late-flag", title: t("Registrada com atraso") }, icon("warning", 13)) : null,
      h("span", { class: "time", text: timeOf(m.sent_at) }),
      out ? tick(m.status) : null,
      m.id != null ? toggle : null);
    if (m.late) cls.push("late");
    if (first) cls.push("first");
    const el = h("div", { class: cls.join(" "), dataset: { id: m.id ?? "", clientId: m.client_id || "", status: m.status } },
      h("div", { class: "bubble" },
        author ? h("div", { class: "author" }, author) : null,
        m.kind !== "text" ? mediaBlock(m) : null,
        m.body ? h("span", { class: "text", text: m.body }) : null,
        // Room at the end of the last line for the time and ticks, as WhatsApp does.
        m.body ? h("span", { class: "meta-space", "aria-hidden": "true" }) : null,
        meta),
      m.status === "failed" && m.id == null
        ? h("button", { type: "button", class: "retry", text: t("Não enviada. Tentar de novo"), onclick: () => onRetry(m) })
        : null);
    toggle.addEventListener("click", () => {
      const open = el.querySelector(".details");
      if (open) open.remove(); else el.append(details(m));
      toggle.setAttribute("aria-expanded", String(!open));
    });
    return el;
  }

  function renderOlderBar() {
    clear(olderBar);
    if (!chat) return;
    if (olderCursor) {
      olderBar.append(h("button", { type: "button", text: t("Carregar mensagens anteriores"), onclick: () => loadOlder() }));
    } else {
      olderBar.append(
        h("span", { class: "muted", text: msgs.length ? t("Início da conversa no Balcão.") : t("Nenhuma mensagem ainda.") }));
      if (phoneCan("sync")) {
        olderBar.append(h("button", { type: "button", text: t("Buscar mensagens antigas no celular"), onclick: () => job("sync", { older: true }) }));
      }
    }
  }

  function renderAll() {
    clear(box);
    let day = null;
    msgs.forEach((m, i) => {
      const key = dayKey(m.sent_at);
      if (key !== day) {
        box.append(h("div", { class: "day", dataset: { day: key }, text: dayLabel(m.sent_at) }));
        day = key;
      }
      box.append(bubble(m, startsGroup(msgs[i - 1], m)));
    });
    renderOlderBar();
  }

  function appendOne(m) {
    const last = msgs[msgs.length - 2];
    if (!last || dayKey(last.sent_at) !== dayKey(m.sent_at)) {
      box.append(h("div", { class: "day", dataset: { day: dayKey(m.sent_at) }, text: dayLabel(m.sent_at) }));
    }
    box.append(bubble(m, startsGroup(last, m)));
  }

  function elementOf(m) {
    if (m.id != null) {
      const el = box.querySelector(`.msg[data-id="${m.id}"]`);
      if (el) return el;
    }
    return m.client_id ? box.querySelector(`.msg[data-client-id="${CSS.escape(m.client_id)}"]`) : null;
  }

  /** Messages from the server (a page or a live event): update the known ones, add the rest. */
  function merge(items) {
    const stick = nearBottom();
    let appended = [], reorder = false;
    for (const m of items) {
      const at = msgs.findIndex((x) => (m.id != null && x.id === m.id) || (m.client_id && x.client_id === m.client_id));
      if (at >= 0) {
        msgs[at] = { ...msgs[at], ...m };
        const old = elementOf(m);
        old?.replaceWith(bubble(msgs[at], old.classList.contains("first")));
        continue;
      }
      const last = msgs[msgs.length - 1];
      msgs.push(m);
      if (!last || later(m, last)) appended.push(m); else reorder = true;
    }
    if (reorder) {
      msgs.sort((a, b) => (later(a, b) ? 1 : -1));
      renderAll();
    } else {
      // appendOne looks at the message before, so add them one by one in order.
      const pending = msgs.splice(msgs.length - appended.length, appended.length);
      for (const m of pending) { msgs.push(m); appendOne(m); }
      if (!box.childElementCount || appended.length) renderOlderBar();
    }
    if (stick || items.some((m) => m.id == null)) toBottom();
    else if (appended.length) toLatest.hidden = false;
  }

  /** A page of the open chat's messages (``params`` say which), or null when by its answer
   * another chat, or none, is open. */
  async function messagesPage(params) {
    const id = chat.id;
    const page = await api(`/api/v1/chats/${id}/messages`, { params: { ...params, limit: PAGE } });
    return chat && chat.id === id ? page : null;
  }

  /** Scrolling pages in one at a time: ``apply`` the page that ``params`` name. */
  async function loadMore(params, apply) {
    if (!chat || busy) return;
    busy = true;
    try {
      const page = await messagesPage(params);
      if (page) apply(page);
    } catch (error) { showError(error); } finally { busy = false; }
  }

  function loadOlder() {
    if (!olderCursor) return;
    loadMore({ cursor: olderCursor }, (page) => {
      const height = scroller.scrollHeight, top = scroller.scrollTop;
      olderCursor = page.next_cursor;
      const known = new Set(msgs.map((m) => m.id));
      msgs = [...page.items.filter((m) => !known.has(m.id)).reverse(), ...msgs];
      renderAll();
      scroller.scrollTop = top + (scroller.scrollHeight - height);
    });
  }

  function loadNewer() {
    if (!newerCursor) return;
    loadMore({ after: newerCursor }, (page) => {
      newerCursor = page.newer_cursor;
      merge(page.items.slice().reverse());
      toLatest.hidden = !newerCursor && nearBottom();
    });
  }

  scroller.addEventListener("scroll", () => {
    pinned = nearBottom() && !newerCursor;
    if (scroller.scrollTop < 200) loadOlder();
    if (nearBottom()) { if (newerCursor) loadNewer(); else toLatest.hidden = true; }
  }, { passive: true });
  toLatest.addEventListener("click", () => {
    if (newerCursor && chat) open(chat, {}); else toBottom();
  });

  async function job(kind, body) {
    if (!chat) return;
    const path = { sync: "sync", recheck: "recheck-receipts", photo: "reload-photo" }[kind];
    try {
      const result = await api(`/api/v1/chats/${chat.id}/${path}`, { method: "POST", body: body || {} });
      if (result.state === "failed") toast(result.error || t("O celular não pôde atender o pedido."), "error");
      else toast(t("Pedido enviado ao celular. O resultado aparece aqui sozinho."));
    } catch (error) { showError(error); }
  }

  /** Whether the chat's phone runs jobs of ``kind``: an action it cannot do is not offered. */
  function phoneCan(kind) { return Boolean(chat) && can(chat.device_id, NEEDS[kind]); }

  // Built each time it opens: read / unread follows the chat, the phone's jobs its driver.
  function menuItems() {
    return [
      [t("Dados do chat"), () => onInfo()],
      phoneCan("sync") ? [t("Recarregar mensagens recentes"), () => job("sync", { older: false })] : null,
      phoneCan("sync") ? [t("Recarregar mensagens antigas"), () => job("sync", { older: true })] : null,
      [t("Alterar nome do chat"), () => actions.rename(chat)],
      phoneCan("photo") ? [t("Recarregar foto do perfil"), () => job("photo")] : null,
      phoneCan("recheck") ? [t("Reverificar leitura das mensagens"), () => job("recheck")] : null,
      chat.unread_count > 0
        ? [t("Marcar como lido"), () => actions.markRead(chat)]
        : [t("Marcar como não lido"), () => actions.markUnread(chat)],
      actions.clear ? [t("Apagar todas as mensagens"), () => actions.clear(chat), "danger"] : null,
    ].filter(Boolean);
  }
  function fillMenu() {
    clear(menu);
    for (const [label, action, cls] of menuItems()) {
      menu.append(h("li", { role: "none" }, h("button", { type: "button", role: "menuitem", class: cls, text: label,
        onclick: () => { closeMenu(); if (chat) action(); } })));
    }
  }
  function closeMenu() { menu.hidden = true; menuButton.setAttribute("aria-expanded", "false"); }
  menuButton.addEventListener("click", (event) => {
    event.stopPropagation();
    if (menu.hidden && chat) fillMenu();
    menu.hidden = !menu.hidden;
    menuButton.setAttribute("aria-expanded", String(!menu.hidden));
  });
  document.addEventListener("click", (event) => { if (!menu.contains(event.target)) closeMenu(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) { closeMenu(); menuButton.focus(); }
  });
  document.getElementById("conv-title").addEventListener("click", () => onInfo());
  document.getElementById("conv-back").addEventListener("click", () => onBack());

  function showHeader() {
    const old = document.getElementById("conv-avatar");
    const fresh = avatar(chat.name, chat.id);
    fresh.id = "conv-avatar";
    old.replaceWith(fresh);
    document.getElementById("conv-name").textContent = chat.name;
    const sub = chat.phone ? phoneOf(chat.phone) : chat.tags.map((t) => t.name).join(", ");
    document.getElementById("conv-sub").textContent = sub || t("clique para ver os dados do chat");
  }

  /** Drop the bubbles the server no longer has (their chat was cleared, here or in another
   * tab): the newest page is compared with what was on screen when asked. Pending bubbles stay. */
  async function dropDeleted() {
    if (!chat) return;
    const shown = msgs.filter((m) => m.id != null);
    let page;
    try {
      page = await messagesPage({});
    } catch (error) { showError(error); return; }
    if (!page) return;
    const kept = new Set(page.items.map((m) => m.id));
    const oldest = page.next_cursor ? page.items[page.items.length - 1] : null;
    const gone = new Set(shown.filter((m) => !kept.has(m.id) && (!oldest || !later(oldest, m))).map((m) => m.id));
    if (!gone.size) return;
    const pending = msgs.filter((m) => m.id == null);
    const left = msgs.filter((m) => m.id != null && !gone.has(m.id));
    if (left.length) msgs = [...left, ...pending];
    else {
      msgs = [...page.items.slice().reverse(), ...pending];
      olderCursor = page.next_cursor;
      newerCursor = null;
    }
    renderAll();
    toBottom();
  }

  // One check at a time; asked again meanwhile, it runs once more afterwards.
  let checking = null;
  let checkAgain = false;
  async function refresh() {
    if (checking) { checkAgain = true; return checking; }
    let finished;
    checking = new Promise((resolve) => { finished = resolve; });
    try {
      do { checkAgain = false; await dropDeleted(); } while (checkAgain);
    } finally {
      checking = null;
      finished();
    }
    return undefined;
  }

  /** Open ``chatOrId``; with ``around`` a page centred on that message, scrolled to it. */
  async function open(chatOrId, { around = null } = {}) {
    const ticket = ++opening;
    const id = typeof chatOrId === "object" ? chatOrId.id : chatOrId;
    try {
      const [full, page] = await Promise.all([
        api(`/api/v1/chats/${id}`),
        api(`/api/v1/chats/${id}/messages`, { params: around ? { around, limit: PAGE } : { limit: PAGE } }),
      ]);
      if (ticket !== opening) return null;
      chat = full;
      msgs = page.items.slice().reverse();
      olderCursor = page.next_cursor;
      newerCursor = page.newer_cursor || null;
      emptyState.hidden = true;
      section.hidden = false;
      showHeader();
      renderAll();
      const target = around ? box.querySelector(`.msg[data-id="${around}"]`) : null;
      if (target) {
        pinned = false;
        target.classList.add("target");
        target.scrollIntoView({ block: "center" });
      } else toBottom();
      toLatest.hidden = !newerCursor;
      return chat;
    } catch (error) {
      if (ticket === opening) showError(error);
      return null;
    }
  }

  return {
    open,
    close() {
      opening += 1;
      closeMenu();
      chat = null;
      msgs = [];
      section.hidden = true;
      emptyState.hidden = false;
    },
    get chat() { return chat; },
    /** Staff pressed Enter: show the bubble with a clock before the server answers. */
    addPending(message) { if (chat) merge([message]); },
    /** Server messages for this chat (live events, the answer to a send). With
     * ``knownOnly`` (receipts) messages that are not on screen are left out. */
    receive(items, { knownOnly = false } = {}) {
      if (!chat) return;
      const shown = (m) => msgs.some((x) => x.id === m.id || (m.client_id && x.client_id === m.client_id));
      const mine = items.filter((m) => m.chat_id === chat.id && (!knownOnly || shown(m)));
      if (!mine.length) return;
      if (knownOnly) { merge(mine); return; }
      // While reading older history, newer messages wait behind "↓".
      if (newerCursor) { toLatest.hidden = false; return; }
      merge(mine);
    },
    failPending(clientId) {
      const at = msgs.findIndex((m) => m.client_id === clientId && m.id == null);
      if (at < 0) return;
      msgs[at] = { ...msgs[at], status: "failed" };
      const old = elementOf(msgs[at]);
      old?.replaceWith(bubble(msgs[at], old.classList.contains("first")));
    },
    updateChat(next) {
      if (!chat || next.id !== chat.id) return;
      chat = { ...chat, ...next };
      showHeader();
    },
    refresh,
    /** After the live connection came back: the newest page, merged in. */
    async catchUp() {
      if (!chat || newerCursor) return;
      try {
        const page = await messagesPage({});
        if (!page) return;
        const known = new Set(msgs.map((m) => m.id));
        if (msgs.length && !page.items.some((m) => known.has(m.id)) && page.next_cursor) {
          await open(chat.id);
          return;
        }
        merge(page.items.slice().reverse());
      } catch (error) { showError(error); }
    },
  };
}
