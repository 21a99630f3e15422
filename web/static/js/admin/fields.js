// Admin: the account's custom fields (I8). A field exists in every chat; deleting it deletes
// its values everywhere. For admins and users who may manage custom fields.
import { t } from "../i18n.js";
import { showErrorIn } from "../api.js";
import { h, clear } from "../dom.js";

const KINDS = [
  ["text", t("Texto")], ["number", t("Número")], ["date", t("Data")], ["email", t("E-mail")],
  ["phone", t("Telefone")], ["cpf", t("CPF")], ["cnpj", t("CNPJ")], ["options", t("Opções")],
];
const kindLabel = (kind) => (KINDS.find(([k]) => k === kind) || [kind, kind])[1];
const splitOptions = (text) => text.split(/[,;\n]/).map((o) => o.trim()).filter(Boolean);

export default {
  id: "fields",
  title: t("Campos personalizados"),
  allowed: (ctx) => ctx.can("manage_fields"),
  load: () => import("./fields.js"),
};

export async function render(container, ctx) {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 80, autocomplete: "off",
    placeholder: t("Ex.: CPF, E-mail, Aniversário") });
  const kind = h("select", { name: "kind" }, KINDS.map(([value, label]) => h("option", { value, text: label })));
  const options = h("input", { type: "text", name: "options", autocomplete: "off", placeholder: t("Atacado, Varejo") });
  const optionsLabel = h("label", { hidden: true }, t("Opções (separadas por vírgula)"), options);
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "admin-form", novalidate: true },
    h("label", {}, t("Nome do campo"), name),
    h("label", {}, t("Tipo"), kind),
    optionsLabel,
    h("button", { type: "submit", class: "btn primary", text: t("Criar campo") }));
  const table = h("table", { class: "admin-table" },
    h("thead", {}, h("tr", {}, h("th", { text: t("Nome") }), h("th", { text: t("Tipo") }), h("th", { text: t("Opções") }), h("th", {}))));
  const body = h("tbody");
  table.append(body);
  container.append(
    h("p", { class: "muted", text: t("Os campos aparecem no painel de todos os chats, com os valores conferidos pelo tipo (CPF, data, telefone…).") }),
    form, error, table);

  kind.addEventListener("change", () => { optionsLabel.hidden = kind.value !== "options"; });
  form.addEventListener("input", () => { error.hidden = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = { name: name.value, kind: kind.value };
    if (kind.value === "options") data.options = splitOptions(options.value);
    try {
      const field = await ctx.api("/api/v1/fields", { method: "POST", body: data });
      ctx.toast(t("Campo “{name}” criado em todos os chats.", { name: field.name }));
      name.value = "";
      options.value = "";
      await draw();
    } catch (problem) {
      showErrorIn(error, problem, t("Não foi possível criar o campo."));
    }
  });

  function row(field) {
    const rename = h("input", { type: "text", value: field.name, maxlength: 80, "aria-label": t("Nome do campo {name}", { name: field.name }) });
    const choices = field.kind === "options"
      ? h("input", { type: "text", value: field.options.join(", "), "aria-label": t("Opções do campo {name}", { name: field.name }) })
      : null;
    const problem = h("div", { class: "error", role: "alert", hidden: true });
    const save = h("button", { type: "button", class: "btn", text: t("Salvar") });
    const remove = h("button", { type: "button", class: "btn danger-text", text: t("Excluir") });
    async function commit() {
      const data = {};
      if (rename.value.trim() !== field.name) data.name = rename.value;
      if (choices && choices.value !== field.options.join(", ")) data.options = splitOptions(choices.value);
      if (!Object.keys(data).length) return;
      problem.hidden = true;
      try {
        await ctx.api(`/api/v1/fields/${field.id}`, { method: "PATCH", body: data });
        ctx.toast(t("Campo salvo."));
        await draw();
      } catch (err) {
        showErrorIn(problem, err, t("Não foi possível salvar."));
      }
    }
    save.addEventListener("click", commit);
    for (const input of [rename, choices].filter(Boolean)) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") { event.preventDefault(); commit(); }
      });
    }
    remove.addEventListener("click", () => ctx.confirmThen({
      title: t("Excluir o campo “{name}”?", { name: field.name }),
      lines: [
        t("O campo some de todos os chats da conta."),
        t("Os valores já preenchidos nele são apagados em todos os chats."),
      ],
      confirm: t("Excluir campo"),
      danger: true,
    }, async () => {
      const result = await ctx.api(`/api/v1/fields/${field.id}`, { method: "DELETE", params: { confirm: true } });
      ctx.toast(result.chats === 1 ? t("Campo “{name}” excluído (tinha valor em 1 chat).", { name: field.name })
        : t("Campo “{name}” excluído (tinha valor em {chats} chats).", { name: field.name, chats: result.chats }));
      await draw();
    }));
    return h("tr", { dataset: { fieldId: field.id } },
      h("td", {}, rename, problem),
      h("td", { text: kindLabel(field.kind) }),
      h("td", {}, choices || h("span", { class: "muted", text: "—" })),
      h("td", { class: "actions" }, save, remove));
  }

  async function draw() {
    const fields = await ctx.api("/api/v1/fields");
    clear(body);
    if (!fields.length) body.append(h("tr", {}, h("td", { colspan: 4, class: "muted", text: t("Nenhum campo criado.") })));
    for (const field of fields) body.append(row(field));
  }

  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "fields" && container.isConnected && !body.contains(document.activeElement)) {
      draw().catch(ctx.showError);
    }
  });
  await draw();
}
