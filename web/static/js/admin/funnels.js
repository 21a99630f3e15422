// Admin: the account's funnels and their stages (funnel module). Create, rename and delete
// funnels; add, rename, recolour, reorder and delete stages. A stage with chats is deleted
// by moving its chats to another stage of the funnel, or by taking them out of the funnel.
import { nt, t } from "../i18n.js";
import { h, clear } from "../dom.js";

export default {
  id: "funnels",
  title: t("Funis"),
  module: "funnel",
  allowed: (ctx) => ctx.can("manage_funnels"),
  load: () => import("./funnels.js"),
};

const DEFAULT_COLOR = "#8696a0";

export async function render(container, ctx) {
  const list = h("div", { class: "funnels-admin" });
  const name = h("input", { name: "name", type: "text", maxlength: "80", required: true,
    placeholder: t("Ex.: Vendas"), "aria-label": t("Nome do novo funil") });
  const create = h("form", { class: "admin-inline-form", id: "funnel-create" },
    name, h("button", { type: "submit", class: "btn primary", text: t("Criar funil") }));
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    await act(async () => {
      const funnel = await ctx.api("/api/v1/funnels", { method: "POST", body: { name: name.value } });
      name.value = "";
      ctx.toast(t("Funil “{name}” criado.", { name: funnel.name }));
    });
  });
  container.append(
    h("p", { class: "muted", text: t("Os funis acompanham em que etapa cada cliente está. ")
      + t("Todos os usuários veem e mudam a etapa dos chats que veem.") }),
    create, list);

  /** Run a change; the list is redrawn from the server afterwards, whatever happened. */
  async function act(change) {
    try { await change(); } catch (error) { ctx.showError(error); }
    await draw();
  }

  async function draw() {
    const funnels = await ctx.api("/api/v1/funnels");
    clear(list);
    if (!funnels.length) list.append(h("p", { class: "muted", text: t("Nenhum funil criado ainda.") }));
    for (const funnel of funnels) list.append(funnelCard(funnel));
  }

  function funnelCard(funnel) {
    const base = `/api/v1/funnels/${funnel.id}`;
    const title = h("input", { type: "text", class: "funnel-title", value: funnel.name, maxlength: "80",
      "aria-label": t("Nome do funil {name}", { name: funnel.name }) });
    title.addEventListener("change", () => act(() => ctx.api(base, { method: "PATCH", body: { name: title.value } })));
    const remove = h("button", { type: "button", class: "btn danger", text: t("Apagar funil") });
    remove.addEventListener("click", async () => {
      const ok = await ctx.confirmDialog({
        title: t("Apagar o funil “{name}”?", { name: funnel.name }),
        lines: [
          funnel.chats ? nt("{count} chat sai do funil.", "{count} chats saem do funil.", funnel.chats)
            : t("Nenhum chat está neste funil."),
          t("As etapas do funil também são apagadas."),
        ],
        confirm: t("Apagar funil"), danger: true,
      });
      if (ok) await act(() => ctx.api(`${base}?confirm=true`, { method: "DELETE" }));
    });

    const stages = h("ol", { class: "stage-list" });
    funnel.stages.forEach((stage, index) => stages.append(stageRow(funnel, stage, index)));

    const stageName = h("input", { type: "text", maxlength: "80", required: true, placeholder: t("Nova etapa"),
      "aria-label": t("Nova etapa em {name}", { name: funnel.name }) });
    const stageColor = h("input", { type: "color", value: DEFAULT_COLOR, "aria-label": t("Cor da nova etapa") });
    const add = h("form", { class: "admin-inline-form stage-add" }, stageColor, stageName,
      h("button", { type: "submit", class: "btn", text: t("Adicionar etapa") }));
    add.addEventListener("submit", (event) => {
      event.preventDefault();
      act(() => ctx.api(`${base}/stages`, {
        method: "POST", body: { name: stageName.value, color: stageColor.value },
      }));
    });

    return h("section", { class: "funnel-card", dataset: { funnelId: funnel.id } },
      h("header", { class: "funnel-card-head" }, title,
        h("span", { class: "muted", text: nt("{count} chat", "{count} chats", funnel.chats) }), remove),
      funnel.stages.length ? stages : h("p", { class: "muted", text: t("Sem etapas: adicione a primeira.") }),
      add);
  }

  function stageRow(funnel, stage, index) {
    const url = `/api/v1/funnels/${funnel.id}/stages/${stage.id}`;
    const patch = (body) => act(() => ctx.api(url, { method: "PATCH", body }));
    const color = h("input", { type: "color", value: stage.color, "aria-label": t("Cor da etapa {name}", { name: stage.name }) });
    color.addEventListener("change", () => patch({ color: color.value }));
    const name = h("input", { type: "text", value: stage.name, maxlength: "80",
      "aria-label": t("Nome da etapa {name}", { name: stage.name }) });
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
    const up = h("button", { type: "button", class: "icon-btn", title: t("Subir"), "aria-label": t("Subir {name}", { name: stage.name }),
      disabled: index === 0, text: "↑", onclick: () => move(-1) });
    const down = h("button", { type: "button", class: "icon-btn", title: t("Descer"), "aria-label": t("Descer {name}", { name: stage.name }),
      disabled: index === ids.length - 1, text: "↓", onclick: () => move(1) });
    const row = h("li", { class: "stage-row", dataset: { stageId: stage.id } },
      color, name, h("span", { class: "muted stage-count", text: nt("{count} chat", "{count} chats", stage.chats) }), up, down);
    const remove = h("button", { type: "button", class: "btn danger", text: t("Apagar") });
    remove.addEventListener("click", () => askDelete(funnel, stage, row, url));
    row.append(remove);
    return row;
  }

  /** A stage without chats goes after a confirmation; one with chats asks where they go. */
  async function askDelete(funnel, stage, row, url) {
    if (!stage.chats) {
      const ok = await ctx.confirmDialog({
        title: t("Apagar a etapa “{name}”?", { name: stage.name }), lines: [t("Nenhum chat está nesta etapa.")],
        confirm: t("Apagar etapa"), danger: true,
      });
      if (ok) await act(() => ctx.api(`${url}?confirm=true`, { method: "DELETE" }));
      return;
    }
    if (row.nextElementSibling?.classList.contains("stage-delete-row")) return;
    const target = h("select", { "aria-label": t("Para onde vão os chats") },
      funnel.stages.filter((s) => s.id !== stage.id).map((s) => h("option", { value: String(s.id), text: t("Mover para {name}", { name: s.name }) })),
      h("option", { value: "", text: t("Tirar do funil") }));
    const form = h("form", { class: "stage-delete" },
      h("span", { text: nt("{count} chat está nesta etapa:", "{count} chats estão nesta etapa:", stage.chats) }),
      target,
      h("button", { type: "submit", class: "btn danger", text: t("Apagar etapa") }),
      h("button", { type: "button", class: "btn", text: t("Cancelar"), onclick: () => holder.remove() }));
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
