// Message search (L11): newest first across visible chats, matches marked; a hit opens the chat there.
import { t } from "./i18n.js";
import { api, showError } from "./api.js";
import { h, clear } from "./dom.js";
import { listTime } from "./format.js";

const MIN_CHARS = 2;

/** The highlight segments as text nodes, matches inside <mark> elements we create. */
export function highlighted(segments, fallback) {
  const span = h("span", { class: "snippet" });
  if (!segments?.length) { span.textContent = fallback || ""; return span; }
  for (const s of segments) span.append(s.match ? h("mark", { text: s.text }) : document.createTextNode(s.text));
  return span;
}

export function createSearch({ onOpen, onQuery }) {
  const input = document.getElementById("search-input");
  const listScroll = document.getElementById("list-scroll");
  const scroll = document.getElementById("search-scroll");
  const results = document.getElementById("search-results");
  const title = document.getElementById("search-title");
  const sentinel = document.getElementById("search-more");
  let query = "";
  let cursor = null;
  let loading = false;
  let generation = 0;
  let count = 0;

  function hit(item) {
    return h("li", { class: "hit", dataset: { chatId: item.chat_id, messageId: item.id }, tabindex: "0" },
      h("div", { class: "row1" },
        h("span", { class: "name", text: item.chat_name }),
        h("span", { class: "time", text: listTime(item.sent_at) })),
      h("div", { class: "row2" },
        item.direction === "out" ? h("span", { class: "you", text: t("Você: ") }) : null,
        highlighted(item.highlight, item.body)));
  }

  async function load(reset) {
    if (!query || (loading && !reset) || (!reset && !cursor)) return;
    const mine = reset ? ++generation : generation;
    loading = true;
    scroll.classList.add("loading");
    try {
      const page = await api("/api/v1/search/messages", { params: { q: query, cursor: reset ? null : cursor } });
      if (mine !== generation) return;
      if (reset) { clear(results); count = 0; }
      for (const item of page.items) results.append(hit(item));
      count += page.items.length;
      cursor = page.next_cursor;
      title.textContent = count
        ? (cursor ? t("Mensagens com “{query}”", { query }) : t("Mensagens com “{query}” ({count})", { query, count }))
        : t("Nenhuma mensagem com “{query}”.", { query });
    } catch (error) {
      if (mine === generation) { showError(error); title.textContent = error.message; }
    } finally {
      if (mine === generation) { loading = false; scroll.classList.remove("loading"); }
    }
  }

  function set(q, { fromUser = true } = {}) {
    const next = q.trim();
    if (input.value !== q) input.value = q;
    const active = next.length >= MIN_CHARS;
    listScroll.hidden = active;
    scroll.hidden = !active;
    if (next === query) return;
    query = active ? next : "";
    cursor = null;
    if (fromUser) onQuery(query);
    if (active) { scroll.scrollTop = 0; load(true); } else { generation += 1; clear(results); }
  }

  let typing;
  input.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => set(input.value), 300);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; set(""); }
    if (event.key === "Enter") { clearTimeout(typing); set(input.value); }
  });
  results.addEventListener("click", (event) => {
    const li = event.target.closest(".hit");
    if (li) onOpen(Number(li.dataset.chatId), Number(li.dataset.messageId));
  });
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) load(false);
  }, { root: scroll, rootMargin: "300px" }).observe(sentinel);

  return { set, get query() { return query; } };
}
