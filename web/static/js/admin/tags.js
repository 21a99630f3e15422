// Admin: the account's tags (I7). Rename and recolour in place; deleting a tag takes it off
// every chat. For admins and users who may manage tags.
import { t } from "../i18n.js";
import { showErrorIn } from "../api.js";
import { h, clear } from "../dom.js";

export default {
  id: "tags",
  title: t("Tags"),
  allowed: (ctx) => ctx.can("manage_tags"),
  load: () => import("./tags.js"),
};

export async function render(container, ctx) {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 60, autocomplete: "off",
    placeholder: t("Ex.: Clientes VIP") });
  const color = h("input", { type: "color", name: "color", value: "#5b8def" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "admin-form", novalidate: true },
    h("label", {}, t("Nome da tag"), name),
    h("label", {}, t("Cor"), color),
    h("button", { type: "submit", class: "btn primary", text: t("Criar tag") }));
  const list = h("ul", { class: "admin-list tag-admin-list" });
  container.append(
    h("p", { class: "muted", text: t("As tags marcam os chats e servem de filtro na lista. Excluir uma tag a tira de todos os chats.") }),
    form, error, list);

  form.addEventListener("input", () => { error.hidden = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const tag = await ctx.api("/api/v1/tags", { method: "POST", body: { name: name.value, color: color.value } });
      ctx.toast(t("Tag “{name}” criada.", { name: tag.name }));
      name.value = "";
      await draw();
    } catch (problem) {
      showErrorIn(error, problem, t("Não foi possível criar a tag."));
    }
  });

  function row(tag) {
    const rename = h("input", { type: "text", value: tag.name, maxlength: 60, "aria-label": t("Nome da tag {name}", { name: tag.name }) });
    const paint = h("input", { type: "color", value: tag.color, "aria-label": t("Cor da tag {name}", { name: tag.name }) });
    const problem = h("span", { class: "error", role: "alert", hidden: true });
    const save = h("button", { type: "button", class: "btn", text: t("Salvar") });
    const remove = h("button", { type: "button", class: "btn danger-text", text: t("Excluir") });
    const li = h("li", { dataset: { tagId: tag.id } },
      h("span", { class: "tag-dot", style: { background: tag.color } }), rename, paint, save, remove, problem);
    async function commit() {
      const body = {};
      if (rename.value !== tag.name) body.name = rename.value;
      if (paint.value.toLowerCase() !== tag.color) body.color = paint.value;
      if (!Object.keys(body).length) return;
      problem.hidden = true;
      try {
        await ctx.api(`/api/v1/tags/${tag.id}`, { method: "PATCH", body });
        ctx.toast(t("Tag salva."));
        await draw();
      } catch (err) {
        showErrorIn(problem, err, t("Não foi possível salvar."));
      }
    }
    save.addEventListener("click", commit);
    rename.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); commit(); }
      if (event.key === "Escape") { rename.value = tag.name; problem.hidden = true; }
    });
    remove.addEventListener("click", () => ctx.confirmThen({
      title: t("Excluir a tag “{name}”?", { name: tag.name }),
      lines: [t("A tag sai de todos os chats que a têm, para todos os usuários.")],
      confirm: t("Excluir tag"),
      danger: true,
    }, async () => {
      await ctx.api(`/api/v1/tags/${tag.id}`, { method: "DELETE" });
      ctx.toast(t("Tag “{name}” excluída.", { name: tag.name }));
      await draw();
    }));
    return li;
  }

  async function draw() {
    const tags = await ctx.api("/api/v1/tags");
    clear(list);
    if (!tags.length) list.append(h("li", { class: "muted", text: t("Nenhuma tag criada.") }));
    for (const tag of tags) list.append(row(tag));
  }

  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "tags" && container.isConnected && !list.contains(document.activeElement)) {
      draw().catch(ctx.showError);
    }
  });
  await draw();
}
