// The attendance-status button of the conversation header (C1): the chat's status (colour dot
// and name, "Sem status" when it has none) opens a menu of the account's statuses; choosing
// one changes it for everyone. Absent while the attendance module is off.
import { t } from "./i18n.js";
import { h, clear } from "./dom.js";

let cached = null;

/** The account's statuses, in order (read once, again after they change). */
export function loadStatuses(api) {
  if (!cached) cached = api("/api/v1/statuses").catch((error) => { cached = null; throw error; });
  return cached;
}

window.addEventListener("balcao:account", (event) => {
  if (event.detail.what === "statuses" || event.detail.what === "modules") cached = null;
});

export function createStatusButton({ ctx, slot = document.getElementById("conv-status") }) {
  let chat = null;
  let statuses = [];
  let saving = false;
  const on = () => ctx.modules.attendance !== false;

  const dot = h("span", { class: "status-dot" });
  const label = h("span", { class: "status-name" });
  const button = h("button", {
    type: "button", class: "status-btn", id: "status-btn", "aria-haspopup": "menu",
    "aria-expanded": "false", title: t("Status de atendimento"),
  }, dot, label, h("span", { class: "status-caret", "aria-hidden": "true", text: "▾" }));
  const menu = h("ul", { class: "menu status-menu", id: "status-menu", role: "menu", hidden: true,
    "aria-label": t("Status de atendimento") });
  slot.append(button, menu);

  function current() {
    return statuses.find((s) => s.id === chat?.status_id) || null;
  }

  function draw() {
    slot.hidden = !chat || !on();
    if (slot.hidden) { close(); return; }
    const status = current();
    dot.style.background = status ? status.color : "transparent";
    dot.classList.toggle("no-status", !status);
    label.textContent = status ? status.name : t("Sem status");
    button.setAttribute("aria-label", t("Status de atendimento: {status}. Mudar", { status: label.textContent }));
    button.disabled = saving;
  }

  function close() {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
  }

  function fill() {
    clear(menu);
    if (!statuses.length) menu.append(h("li", { class: "muted status-none", text: t("Nenhum status criado.") }));
    for (const s of statuses) {
      const chosen = s.id === chat?.status_id;
      menu.append(h("li", { role: "none" }, h("button", {
        type: "button", role: "menuitemradio", "aria-checked": String(chosen), dataset: { statusId: s.id },
        onclick: () => choose(s),
      }, h("span", { class: "status-dot", style: { background: s.color } }), s.name,
      s.archive_rule === "archive" ? h("span", { class: "muted status-rule", text: "arquiva" }) : null)));
    }
  }

  async function choose(status) {
    close();
    if (!chat) return;
    const { id, archived } = chat;
    saving = true;
    draw();
    try {
      const updated = await ctx.api(`/api/v1/chats/${id}/status`, { method: "PUT", body: { status_id: status.id } });
      ctx.showChat(updated);
      if (updated.archived !== archived) {
        ctx.toast(`${updated.name}: ${status.name}. ${updated.archived ? "Chat arquivado." : "Chat desarquivado."}`);
      }
    } catch (error) { ctx.showError(error); } finally { saving = false; draw(); }
  }

  async function refresh() {
    if (!on()) { statuses = []; draw(); return; }
    try { statuses = await loadStatuses(ctx.api); } catch (error) { console.error(error); }
    draw();
    if (!menu.hidden) fill();
  }

  button.addEventListener("click", (event) => {
    event.stopPropagation();
    if (menu.hidden) {
      fill();
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      menu.querySelector("button")?.focus();
      refresh();
    } else close();
  });
  document.addEventListener("click", (event) => { if (!slot.contains(event.target)) close(); });
  slot.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) { event.stopPropagation(); close(); button.focus(); }
  });
  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "statuses" || event.detail.what === "modules") refresh();
  });
  refresh();

  return {
    /** The chat on show (or null), as the server has it now. */
    render(next) {
      chat = next;
      draw();
    },
  };
}
