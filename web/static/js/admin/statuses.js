// Admin: the account's attendance statuses (C1, I4): create, rename, recolour, reorder, set
// what entering a status does to the chat's archive, delete (moving its chats elsewhere).
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";

export default {
  id: "statuses",
  title: t("Status de atendimento"),
  module: "attendance",
  allowed: (ctx) => ctx.me.is_admin,
  load: () => import("./statuses.js"),
};

const RULES = [
  ["keep", t("Não muda o arquivamento")],
  ["archive", t("Arquiva o chat")],
  ["unarchive", t("Desarquiva o chat")],
];

function ruleSelect(value, label) {
  return h("select", { name: "archive_rule", "aria-label": label },
    RULES.map(([v, text]) => h("option", { value: v, selected: v === value, text })));
}

export async function render(container, ctx) {
  const list = h("ol", { class: "admin-list status-admin-list", "aria-label": t("Status de atendimento") });
  const moveBox = h("div", { class: "status-move", hidden: true, role: "alertdialog" });
  const name = h("input", { name: "name", type: "text", maxlength: 60, required: true,
    placeholder: t("Nome do novo status"), "aria-label": t("Nome do novo status") });
  const color = h("input", { name: "color", type: "color", value: "#53bdeb", "aria-label": t("Cor do novo status") });
  const rule = ruleSelect("keep", t("Ao entrar no novo status"));
  const form = h("form", { class: "status-new" }, color, name, rule,
    h("button", { type: "submit", class: "btn primary", text: t("Criar status") }));
  container.append(
    h("p", { class: "muted", text: t("Cada chat tem um status. Ao entrar num status, o chat pode ser ")
      + t("arquivado (ex.: Resolvido) ou voltar à caixa de entrada (ex.: Aberto). ")
      + t("O histórico de cada chat guarda o nome que o status tinha na época.") }),
    list, moveBox, h("h3", { text: t("Novo status") }), form);

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
      ctx.toast(result.moved ? t("Status {name} apagado; {moved} chat(s) movido(s).", { name: s.name, moved: result.moved })
        : t("Status {name} apagado.", { name: s.name }));
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
    const target = h("select", { name: "move_to", "aria-label": t("Mover os chats para") },
      others.map((o) => h("option", { value: o.id, text: o.name })));
    moveBox.append(
      h("p", { text: message }),
      h("label", {}, t("Mover os chats para "), target),
      h("div", { class: "confirm-actions" },
        h("button", { type: "button", class: "btn", text: t("Cancelar"), onclick: () => { moveBox.hidden = true; } }),
        h("button", { type: "button", class: "btn status-move-ok", text: t("Mover e apagar {name}", { name: s.name }),
          onclick: () => remove(s, Number(target.value)) })));
    moveBox.hidden = false;
    target.focus();
  }

  function row(s, index) {
    const input = h("input", { type: "text", value: s.name, maxlength: 60, "aria-label": t("Nome do status {name}", { name: s.name }) });
    input.addEventListener("change", () => {
      if (input.value.trim() && input.value.trim() !== s.name) patch(s, { name: input.value });
      else input.value = s.name;
    });
    const swatch = h("input", { type: "color", value: s.color.slice(0, 7), "aria-label": t("Cor do status {name}", { name: s.name }) });
    swatch.addEventListener("change", () => patch(s, { color: swatch.value }));
    const select = ruleSelect(s.archive_rule, t("Ao entrar em {name}", { name: s.name }));
    select.addEventListener("change", () => patch(s, { archive_rule: select.value }));
    return h("li", { class: "status-admin-row", dataset: { statusId: s.id } },
      swatch, input, select,
      h("button", { type: "button", class: "icon-btn", title: t("Subir"), "aria-label": t("Subir {name}", { name: s.name }),
        disabled: index === 0, text: "↑", onclick: () => patch(s, { position: index - 1 }) }),
      h("button", { type: "button", class: "icon-btn", title: t("Descer"), "aria-label": t("Descer {name}", { name: s.name }),
        disabled: index === statuses.length - 1, text: "↓", onclick: () => patch(s, { position: index + 1 }) }),
      h("button", { type: "button", class: "btn danger", text: t("Apagar"), "aria-label": t("Apagar {name}", { name: s.name }),
        onclick: async () => {
          const ok = await ctx.confirmDialog({
            title: t("Apagar o status {name}?", { name: s.name }),
            lines: [t("O histórico dos chats continua mostrando este nome.")],
            confirm: t("Apagar"), danger: true,
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
      ctx.toast(t("Status {name} criado.", { name: created.name }));
      name.value = "";
      await draw();
    } catch (error) { ctx.showError(error); }
  });
  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "statuses" && container.isConnected) draw().catch(ctx.showError);
  });
  await draw();
}
