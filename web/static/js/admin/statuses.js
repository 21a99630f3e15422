// Admin: the account's attendance statuses (C1, I4): create, rename, recolour, reorder, set
// what entering a status does to the chat's archive, delete (moving its chats elsewhere).
import { h, clear } from "../dom.js";

export default {
  id: "statuses",
  title: "Status de atendimento",
  module: "attendance",
  allowed: (ctx) => ctx.me.is_admin,
  load: () => import("./statuses.js"),
};

const RULES = [
  ["keep", "Não muda o arquivamento"],
  ["archive", "Arquiva o chat"],
  ["unarchive", "Desarquiva o chat"],
];

function ruleSelect(value, label) {
  return h("select", { name: "archive_rule", "aria-label": label },
    RULES.map(([v, text]) => h("option", { value: v, selected: v === value, text })));
}

export async function render(container, ctx) {
  const list = h("ol", { class: "admin-list status-admin-list", "aria-label": "Status de atendimento" });
  const moveBox = h("div", { class: "status-move", hidden: true, role: "alertdialog" });
  const name = h("input", { name: "name", type: "text", maxlength: 60, required: true,
    placeholder: "Nome do novo status", "aria-label": "Nome do novo status" });
  const color = h("input", { name: "color", type: "color", value: "#53bdeb", "aria-label": "Cor do novo status" });
  const rule = ruleSelect("keep", "Ao entrar no novo status");
  const form = h("form", { class: "status-new" }, color, name, rule,
    h("button", { type: "submit", class: "btn primary", text: "Criar status" }));
  container.append(
    h("p", { class: "muted", text: "Cada chat tem um status. Ao entrar num status, o chat pode ser "
      + "arquivado (ex.: Resolvido) ou voltar à caixa de entrada (ex.: Aberto). "
      + "O histórico de cada chat guarda o nome que o status tinha na época." }),
    list, moveBox, h("h3", { text: "Novo status" }), form);

  let statuses = [];

  async function patch(s, body) {
    try {
      await ctx.api(`/api/v1/statuses/${s.id}`, { method: "PATCH", body });
      await draw();
    } catch (error) { ctx.showError(error); await draw(); }
  }

  async function remove(s, moveTo = null) {
    try {
      const result = await ctx.api(`/api/v1/statuses/${s.id}`, {
        method: "DELETE", params: { move_to: moveTo },
      });
      ctx.toast(result.moved ? `Status ${s.name} apagado; ${result.moved} chat(s) movido(s).`
        : `Status ${s.name} apagado.`);
      moveBox.hidden = true;
      await draw();
    } catch (error) {
      if (error.code === "status.in_use") askWhere(s, error.message);
      else ctx.showError(error);
    }
  }

  /** The status has chats: choose the status they go to, then delete. */
  function askWhere(s, message) {
    clear(moveBox);
    const others = statuses.filter((o) => o.id !== s.id);
    const target = h("select", { name: "move_to", "aria-label": "Mover os chats para" },
      others.map((o) => h("option", { value: o.id, text: o.name })));
    moveBox.append(
      h("p", { text: message }),
      h("label", {}, "Mover os chats para ", target),
      h("div", { class: "confirm-actions" },
        h("button", { type: "button", class: "btn", text: "Cancelar", onclick: () => { moveBox.hidden = true; } }),
        h("button", { type: "button", class: "btn status-move-ok", text: `Mover e apagar ${s.name}`,
          onclick: () => remove(s, Number(target.value)) })));
    moveBox.hidden = false;
    target.focus();
  }

  function row(s, index) {
    const input = h("input", { type: "text", value: s.name, maxlength: 60, "aria-label": `Nome do status ${s.name}` });
    input.addEventListener("change", () => {
      if (input.value.trim() && input.value.trim() !== s.name) patch(s, { name: input.value });
      else input.value = s.name;
    });
    const swatch = h("input", { type: "color", value: s.color.slice(0, 7), "aria-label": `Cor do status ${s.name}` });
    swatch.addEventListener("change", () => patch(s, { color: swatch.value }));
    const select = ruleSelect(s.archive_rule, `Ao entrar em ${s.name}`);
    select.addEventListener("change", () => patch(s, { archive_rule: select.value }));
    return h("li", { class: "status-admin-row", dataset: { statusId: s.id } },
      swatch, input, select,
      h("button", { type: "button", class: "icon-btn", title: "Subir", "aria-label": `Subir ${s.name}`,
        disabled: index === 0, text: "↑", onclick: () => patch(s, { position: index - 1 }) }),
      h("button", { type: "button", class: "icon-btn", title: "Descer", "aria-label": `Descer ${s.name}`,
        disabled: index === statuses.length - 1, text: "↓", onclick: () => patch(s, { position: index + 1 }) }),
      h("button", { type: "button", class: "btn danger", text: "Apagar", "aria-label": `Apagar ${s.name}`,
        onclick: async () => {
          const ok = await ctx.confirmDialog({
            title: `Apagar o status ${s.name}?`,
            lines: ["O histórico dos chats continua mostrando este nome."],
            confirm: "Apagar", danger: true,
          });
          if (ok) remove(s);
        } }));
  }

  async function draw() {
    statuses = await ctx.api("/api/v1/statuses");
    clear(list);
    statuses.forEach((s, i) => list.append(row(s, i)));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await ctx.api("/api/v1/statuses", {
        method: "POST", body: { name: name.value, color: color.value, archive_rule: rule.value },
      });
      ctx.toast(`Status ${created.name} criado.`);
      name.value = "";
      await draw();
    } catch (error) { ctx.showError(error); }
  });
  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "statuses" && container.isConnected) draw().catch(ctx.showError);
  });
  await draw();
}
