// The chat's stage in each funnel (H3): one choice per funnel; changing it saves at once.
// The section is kept per chat and re-read on every change of the chat (live) or of the
// account's funnels, so a stage set in another tab shows here too.
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";
import { dateTimeOf } from "../format.js";

const OUT = "";
let shown = null; // { chatId, node, body, loading, again }

function draw(state, rows, ctx) {
  const { body, chatId } = state;
  clear(body);
  if (!rows.length) {
    body.append(h("p", { class: "muted", text: t("Nenhum funil criado.") }));
    if (ctx.can("manage_funnels")) {
      body.append(h("a", { class: "link-btn", href: "/admin#funnels", text: t("Criar um funil") }));
    }
    return;
  }
  for (const row of rows) {
    const current = row.stages.find((s) => s.id === row.stage_id);
    const id = `funnel-${chatId}-${row.funnel.id}`;
    const select = h("select", { id, class: "funnel-stage-select", dataset: { funnelId: row.funnel.id } },
      h("option", { value: OUT, text: t("— Fora do funil —") }),
      row.stages.map((s) => h("option", { value: String(s.id), text: s.name })));
    select.value = row.stage_id == null ? OUT : String(row.stage_id);
    select.addEventListener("change", () => save(state, row, select, ctx));
    body.append(h("div", { class: "funnel-row", dataset: { funnelId: row.funnel.id } },
      h("label", { for: id, class: "funnel-name", text: row.funnel.name }),
      h("div", { class: "funnel-stage" },
        h("span", { class: "stage-dot", "aria-hidden": "true",
          style: { background: current ? current.color : "transparent" } }),
        select),
      row.entered_at
        ? h("span", { class: "muted funnel-since", text: t("Nesta etapa desde {when}", { when: dateTimeOf(row.entered_at) }) })
        : null));
  }
}

async function save(state, row, select, ctx) {
  const stageId = select.value === OUT ? null : Number(select.value);
  select.disabled = true;
  try {
    const result = await ctx.api(`/api/v1/chats/${state.chatId}/funnels/${row.funnel.id}`, {
      method: "PUT", body: { stage_id: stageId },
    });
    if (shown === state) {
      state.seen = JSON.stringify(result.funnels);
      draw(state, result.funnels, ctx);
    }
    const stage = row.stages.find((s) => s.id === stageId);
    ctx.toast(stage ? `${row.funnel.name}: ${stage.name}.` : t("Chat fora do funil {name}.", { name: row.funnel.name }));
    ctx.showChat(result.chat);
  } catch (error) {
    select.value = row.stage_id == null ? OUT : String(row.stage_id);
    select.disabled = false;
    ctx.showError(error);
  }
}

/** Read the chat's stages again; calls made while one is under way are folded into one. */
async function refresh(state, ctx) {
  if (state.loading) { state.again = true; return; }
  state.loading = true;
  try {
    do {
      state.again = false;
      const rows = await ctx.api(`/api/v1/chats/${state.chatId}/funnels`);
      if (shown !== state) return;
      // Unchanged rows are not redrawn (an open choice stays open); a choice being saved is
      // left alone, the saved answer redraws it.
      const seen = JSON.stringify(rows);
      if (seen !== state.seen && !state.body.querySelector("select:disabled")) {
        state.seen = seen;
        draw(state, rows, ctx);
      }
    } while (state.again);
  } catch (error) {
    if (shown === state && error.status !== 404) ctx.showError(error);
  } finally {
    state.loading = false;
  }
}

window.addEventListener("balcao:account", (event) => {
  if (event.detail.what === "funnels" && shown?.ctx) refresh(shown, shown.ctx);
});

export default {
  id: "funnels",
  module: "funnel",
  render(chat, ctx) {
    if (shown?.chatId !== chat.id) {
      const body = h("div", { class: "funnel-rows", "aria-live": "polite" },
        h("p", { class: "muted", text: t("Carregando…") }));
      const node = h("section", { class: "info-card funnels-card", dataset: { section: "funnels" } },
        h("h3", { text: t("Funil") }), body);
      shown = { chatId: chat.id, node, body, loading: false, again: false, seen: null, ctx };
    }
    shown.ctx = ctx;
    refresh(shown, ctx);
    return shown.node;
  },
};
