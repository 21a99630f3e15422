// Admin: departments (P2). Create, rename, choose members, delete. A chat assigned to a
// department is seen by all its members. A manager who is not an admin changes only the
// departments the server marks can_manage (their own) and only members marked can_manage.
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";
import { renameForm } from "./rename-form.js";

export default {
  id: "departments",
  title: t("Departamentos"),
  allowed: (ctx) => ctx.me.is_admin || ctx.can("manage_users"),
  load: () => import("./departments.js"),
};

export async function render(container, ctx) {
  let departments = [];
  let users = [];
  let open = null; // { id, what: "rename" | "members" }

  const name = h("input", { name: "name", id: "department-name", required: true, maxlength: 120, placeholder: t("ex.: Vendas"), autocomplete: "off" });
  const create = h("form", { class: "admin-form", id: "department-create" },
    h("label", { for: "department-name" }, h("span", { text: t("Novo departamento") }), name),
    h("button", { type: "submit", class: "btn primary", text: t("Criar departamento") }));
  const table = h("table", { class: "admin-table acct-table" });
  container.append(
    h("p", { class: "muted", text: t("Um chat atribuído a um departamento aparece para todos os membros dele. Uma pessoa pode estar em vários departamentos.") }),
    create, table);

  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await ctx.api("/api/v1/departments", { method: "POST", body: { name: name.value } });
      ctx.toast(t("Departamento {name} criado.", { name: made.name }));
      name.value = "";
      await refresh();
    } catch (err) { ctx.showError(err); }
  });

  const rename = (dept) => renameForm(ctx, {
    name: dept.name, path: `/api/v1/departments/${dept.id}`, renamed: t("Departamento renomeado."),
    onSaved: () => { open = null; return refresh(); },
    onCancel: () => { open = null; draw(); },
  });

  function membersForm(dept) {
    const chosen = new Set(dept.user_ids);
    const form = h("form", { class: "acct-form acct-members", dataset: { department: String(dept.id) } });
    const box = h("fieldset", { class: "acct-checks" }, h("legend", { text: t("Membros de {name}", { name: dept.name }) }));
    const people = users.filter((u) => u.active || chosen.has(u.id));
    if (!people.length) box.append(h("p", { class: "muted", text: t("Nenhum usuário cadastrado.") }));
    for (const user of people) {
      box.append(h("label", { class: "acct-check" },
        h("input", { type: "checkbox", name: "member", value: String(user.id), checked: chosen.has(user.id),
          disabled: user.can_manage !== true }),
        h("span", { text: user.active ? user.name : t("{name} (desativado)", { name: user.name }) })));
    }
    form.append(box, h("div", { class: "acct-actions" },
      h("button", { type: "submit", class: "btn primary", text: t("Salvar membros") }),
      h("button", { type: "button", class: "btn", text: t("Cancelar"), onclick: () => { open = null; draw(); } })));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ids = [...form.querySelectorAll("input[name=member]:checked")].map((i) => Number(i.value));
      try {
        await ctx.api(`/api/v1/departments/${dept.id}/members`, { method: "PUT", body: { user_ids: ids } });
        ctx.toast(t("Membros de {name} salvos.", { name: dept.name }));
        open = null;
        await refresh();
      } catch (err) { ctx.showError(err); }
    });
    return form;
  }

  function remove(dept) {
    return ctx.confirmThen({
      title: t("Excluir o departamento {name}?", { name: dept.name }),
      lines: [
        t("Os membros saem do departamento e ele deixa de ser responsável pelos chats dele (fica registrado no histórico de cada chat)."),
        t("Um chat que só tinha este responsável passa a aparecer só para administradores e para quem vê todos os chats."),
      ],
      confirm: t("Excluir"), danger: true,
    }, async () => {
      await ctx.api(`/api/v1/departments/${dept.id}`, { method: "DELETE" });
      ctx.toast(t("Departamento {name} excluído.", { name: dept.name }));
      await refresh();
    });
  }

  const toggle = (dept, what) => () => {
    open = open?.id === dept.id && open.what === what ? null : { id: dept.id, what };
    draw();
  };

  function draw() {
    clear(table);
    if (!departments.length) {
      table.append(h("caption", { class: "muted", text: t("Nenhum departamento ainda.") }));
      return;
    }
    const byId = new Map(users.map((u) => [u.id, u]));
    table.append(h("thead", {}, h("tr", {}, ...[t("Departamento"), t("Membros"), ""].map((t) => h("th", { text: t })))));
    const body = h("tbody");
    for (const dept of departments) {
      const names = dept.user_ids.map((id) => byId.get(id)?.name).filter(Boolean);
      body.append(h("tr", { dataset: { department: String(dept.id), name: dept.name } },
        h("td", { text: dept.name }),
        h("td", { class: "acct-small", text: names.length ? names.join(", ") : t("Ninguém") }),
        h("td", { class: "acct-row-actions" }, ...(dept.can_manage ? [
          h("button", { type: "button", class: "link-btn", text: t("Membros"), onclick: toggle(dept, "members") }),
          h("button", { type: "button", class: "link-btn", text: t("Renomear"), onclick: toggle(dept, "rename") }),
          h("button", { type: "button", class: "link-btn danger", text: t("Excluir"), onclick: () => remove(dept) })] : []))));
      if (open?.id === dept.id) {
        body.append(h("tr", { class: "acct-editor" }, h("td", { colspan: "3" },
          open.what === "rename" ? rename(dept) : membersForm(dept))));
      }
    }
    table.append(body);
  }

  async function refresh() {
    [departments, users] = await Promise.all([ctx.api("/api/v1/departments"), ctx.api("/api/v1/users")]);
    draw();
  }

  window.addEventListener("balcao:account", (event) => {
    if (event.detail.what === "users" && container.isConnected && open === null) refresh().catch(ctx.showError);
  });
  await refresh();
}
