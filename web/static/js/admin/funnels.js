// Admin: the account's funnels and their stages (funnel module). Create, rename and delete
// funnels; add, rename, recolour, reorder and delete stages. A stage with chats is deleted
// by moving its chats to another stage of the funnel, or by taking them out of the funnel.
import { h, clear } from "../dom.js";

export default {
  id: "funnels",
  title: "Funis",
  module: "funnel",
  allowed: (ctx) => ctx.can("manage_funnels"),
  load: () => import("./funnels.js"),
};

const DEFAULT_COLOR = "#8696a0";
const chatsText = (n) => (n === 1 ? "1 chat" : `${n} chats`);

export async function render(container, ctx) {
  const list = h("div", { class: "funnels-admin" });
  const name = h("input", { name: "name", type: "text", maxlength: "80", required: true,
    placeholder: "Ex.: Vendas", "aria-label": "Nome do novo funil" });
  const create = h("form", { class: "admin-inline-form", id: "funnel-create" },
    name, h("button", { type: "submit", class: "btn primary", text: "Criar funil" }));
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    await act(async () => {
      const funnel = await ctx.api("/api/v1/funnels", { method: "POST", body: { name: name.value } });
      name.value = "";
      ctx.toast(`Funil “${funnel.name}” criado.`);
    });
  });
  container.append(
    h("p", { class: "muted", text: "Os funis acompanham em que etapa cada cliente está. "
      + "Todos os usuários veem e mudam a etapa dos chats que veem." }),
    create, list);

  /** Run a change; the list is redrawn from the server afterwards, whatever happened. */
  async function act(change) {
    try { await change(); } catch (error) { ctx.showError(error); }
    await draw();
  }

  async function draw() {
    const funnels = await ctx.api("/api/v1/funnels");
    clear(list);
    if (!funnels.length) list.append(h("p", { class: "muted", text: "Nenhum funil criado ainda." }));
    for (const funnel of funnels) list.append(funnelCard(funnel));
  }

  function funnelCard(funnel) {
    const base = `/api/v1/funnels/${funnel.id}`;
    const title = h("input", { type: "text", class: "funnel-title", value: funnel.name, maxlength: "80",
      "aria-label": `Nome do funil ${funnel.name}` });
    title.addEventListener("change", () => act(() => ctx.api(base, { method: "PATCH", body: { name: title.value } })));
    const remove = h("button", { type: "button", class: "btn danger", text: "Apagar funil" });
    remove.addEventListener("click", async () => {
      const ok = await ctx.confirmDialog({
        title: `Apagar o funil “${funnel.name}”?`,
        lines: [
          funnel.chats ? `${chatsText(funnel.chats)} ${funnel.chats === 1 ? "sai" : "saem"} do funil.`
            : "Nenhum chat está neste funil.",
          "As etapas do funil também são apagadas.",
        ],
        confirm: "Apagar funil", danger: true,
      });
      if (ok) await act(() => ctx.api(`${base}?confirm=true`, { method: "DELETE" }));
    });

    const stages = h("ol", { class: "stage-list" });
    funnel.stages.forEach((stage, index) => stages.append(stageRow(funnel, stage, index)));

    const stageName = h("input", { type: "text", maxlength: "80", required: true, placeholder: "Nova etapa",
      "aria-label": `Nova etapa em ${funnel.name}` });
    const stageColor = h("input", { type: "color", value: DEFAULT_COLOR, "aria-label": "Cor da nova etapa" });
    const add = h("form", { class: "admin-inline-form stage-add" }, stageColor, stageName,
      h("button", { type: "submit", class: "btn", text: "Adicionar etapa" }));
    add.addEventListener("submit", (event) => {
      event.preventDefault();
      act(() => ctx.api(`${base}/stages`, {
        method: "POST", body: { name: stageName.value, color: stageColor.value },
      }));
    });

    return h("section", { class: "funnel-card", dataset: { funnelId: funnel.id } },
      h("header", { class: "funnel-card-head" }, title,
        h("span", { class: "muted", text: chatsText(funnel.chats) }), remove),
      funnel.stages.length ? stages : h("p", { class: "muted", text: "Sem etapas: adicione a primeira." }),
      add);
  }

  function stageRow(funnel, stage, index) {
    const url = `/api/v1/funnels/${funnel.id}/stages/${stage.id}`;
    const patch = (body) => act(() => ctx.api(url, { method: "PATCH", body }));
    const color = h("input", { type: "color", value: stage.color, "aria-label": `Cor da etapa ${stage.name}` });
    color.addEventListener("change", () => patch({ color: color.value }));
    const name = h("input", { type: "text", value: stage.name, maxlength: "80",
      "aria-label": `Nome da etapa ${stage.name}` });
    name.addEventListener("change", () => patch({ name: name.value }));
    const ids = funnel.stages.map((s) => s.id);
    const move = (delta) => {
      const order = ids.slice();
      order.splice(index, 1);
      order.splice(index + delta, 0, stage.id);
      act(() => ctx.api(`/api/v1/funnels/${funnel.id}/stages/order`, {
        method: "PUT", body: { stage_ids: order },
      }));
    };
    const up = h("button", { type: "button", class: "icon-btn", title: "Subir", "aria-label": `Subir ${stage.name}`,
      disabled: index === 0, text: "↑", onclick: () => move(-1) });
    const down = h("button", { type: "button", class: "icon-btn", title: "Descer", "aria-label": `Descer ${stage.name}`,
      disabled: index === ids.length - 1, text: "↓", onclick: () => move(1) });
    const row = h("li", { class: "stage-row", dataset: { stageId: stage.id } },
      color, name, h("span", { class: "muted stage-count", text: chatsText(stage.chats) }), up, down);
    const remove = h("button", { type: "button", class: "btn danger", text: "Apagar" });
    remove.addEventListener("click", () => askDelete(funnel, stage, row, url));
    row.append(remove);
    return row;
  }

  /** A stage without chats goes after a confirmation; one with chats asks where they go. */
  async function askDelete(funnel, stage, row, url) {
    if (!stage.chats) {
      const ok = await ctx.confirmDialog({
        title: `Apagar a etapa “${stage.name}”?`, lines: ["Nenhum chat está nesta etapa."],
        confirm: "Apagar etapa", danger: true,
      });
      if (ok) await act(() => ctx.api(`${url}?confirm=true`, { method: "DELETE" }));
      return;
    }
    if (row.nextElementSibling?.classList.contains("stage-delete-row")) return;
    const target = h("select", { "aria-label": "Para onde vão os chats" },
      funnel.stages.filter((s) => s.id !== stage.id).map((s) => h("option", { value: String(s.id), text: `Mover para ${s.name}` })),
      h("option", { value: "", text: "Tirar do funil" }));
    const form = h("form", { class: "stage-delete" },
      h("span", { text: `${chatsText(stage.chats)} ${stage.chats === 1 ? "está" : "estão"} nesta etapa:` }),
      target,
      h("button", { type: "submit", class: "btn danger", text: "Apagar etapa" }),
      h("button", { type: "button", class: "btn", text: "Cancelar", onclick: () => holder.remove() }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const query = target.value ? `move_to=${Number(target.value)}` : "confirm=true";
      act(() => ctx.api(`${url}?${query}`, { method: "DELETE" }));
    });
    const holder = h("li", { class: "stage-delete-row" }, form);
    row.after(holder);
    target.focus();
  }

  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "funnels" && container.isConnected) draw().catch(ctx.showError);
  });
  await draw();
}
