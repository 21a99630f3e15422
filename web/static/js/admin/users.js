// Admin: the shop's users (P1). Create, edit name / e-mail / admin / permissions /
// departments, deactivate and reactivate, reset a password. Managers who are not admins
// change only users the server marks can_manage (every permission and department of the user
// is one the manager holds), give only the permissions they hold and place people only in
// their own departments (the server refuses the rest too).
import { lang, t } from "../i18n.js";
import { h, clear } from "../dom.js";
import { dateTimeOf } from "../format.js";

export default {
  id: "users",
  title: t("Usuários"),
  allowed: (ctx) => ctx.me.is_admin || ctx.can("manage_users"),
  load: () => import("./users.js"),
};

const fieldId = (() => { let n = 0; return (name) => `user-${name}-${++n}`; })();

function field(label, input) {
  input.id ||= fieldId(input.name || "field");
  return h("label", { for: input.id }, h("span", { text: label }), input);
}

function checkList(legend, items, chosen, { disabled = () => false, name }) {
  const box = h("fieldset", { class: "acct-checks", dataset: { name } }, h("legend", { text: legend }));
  if (!items.length) box.append(h("p", { class: "muted", text: t("Nenhum cadastrado ainda.") }));
  for (const item of items) {
    box.append(h("label", { class: "acct-check" },
      h("input", {
        type: "checkbox", name, value: String(item.value), checked: chosen.has(item.value),
        disabled: disabled(item.value), dataset: { [name]: String(item.value) },
      }),
      h("span", { text: item.label })));
  }
  return box;
}

const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

export async function render(container, ctx) {
  let permissions = [];
  let departments = [];
  let users = [];
  let editing = null; // the user id whose editor is open, "new" for the creation form

  const table = h("table", { class: "admin-table acct-table" });
  const newButton = h("button", { type: "button", class: "btn primary", id: "user-new", text: t("Novo usuário") });
  const formSlot = h("div", { class: "acct-form-slot" });
  container.append(
    h("p", { class: "muted", text: t("Administradores podem tudo. Usuários normais veem só os chats atribuídos a eles ou aos seus departamentos, a não ser que tenham a permissão de ver todos os chats.") }),
    h("div", { class: "acct-toolbar" }, newButton),
    formSlot,
    table);

  const label = (name) => permissions.find((p) => p.name === name)?.label || name;
  const deptName = (id) => departments.find((d) => d.id === id)?.name || `#${id}`;
  const mayEdit = (user) => user.can_manage === true;
  // The manager's own departments, from their row of the list.
  const myDepartments = () => new Set(users.find((u) => u.id === ctx.me.id)?.departments || []);

  async function load() {
    [permissions, departments, users] = await Promise.all([
      ctx.api("/api/v1/permissions"), ctx.api("/api/v1/departments"), ctx.api("/api/v1/users"),
    ]);
  }

  function editor(user) {
    const isNew = user === null;
    const form = h("form", { class: "admin-form acct-form", dataset: { user: isNew ? "new" : String(user.id) } });
    const login = h("input", { name: "login", required: true, autocomplete: "off", maxlength: 64,
      placeholder: "ex.: maria", value: isNew ? "" : user.login, disabled: !isNew });
    const name = h("input", { name: "name", required: !isNew, maxlength: 120, value: isNew ? "" : user.name });
    const email = h("input", { name: "email", type: "email", maxlength: 254, value: isNew ? "" : user.email });
    const password = h("input", { name: "password", type: "password", autocomplete: "new-password", required: isNew, minlength: 8 });
    const admin = h("input", { name: "is_admin", type: "checkbox", checked: !isNew && user.is_admin });
    const row = h("div", { class: "acct-fields" },
      field(t("Login"), login), field(t("Nome"), name), field(t("E-mail"), email));
    if (isNew) row.append(field(t("Senha"), password));
    form.append(row);
    if (ctx.me.is_admin) {
      form.append(h("label", { class: "switch-row acct-admin" }, admin,
        h("span", { text: t("Administrador (pode tudo, inclusive dar permissões)") })));
    }
    const perms = checkList(t("Permissões"), permissions.map((p) => ({ value: p.name, label: p.label })),
      new Set(isNew ? [] : user.permissions),
      { name: "permission", disabled: (p) => !ctx.me.is_admin && !ctx.can(p) });
    const had = new Set(isNew ? [] : user.departments);
    const mine = myDepartments();
    // Leaving a department is always offered; joining one only if the manager is in it.
    const depts = checkList(t("Departamentos"), departments.map((d) => ({ value: d.id, label: d.name })),
      had, { name: "department", disabled: (d) => !ctx.me.is_admin && !had.has(d) && !mine.has(d) });
    form.append(h("div", { class: "acct-groups" }, perms, depts));
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const save = h("button", { type: "submit", class: "btn primary", text: isNew ? t("Criar usuário") : t("Salvar") });
    const cancel = h("button", { type: "button", class: "btn", text: t("Cancelar") });
    form.append(error, h("div", { class: "acct-actions" }, save, cancel));
    cancel.addEventListener("click", () => { editing = null; draw(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const body = {
        name: name.value, email: email.value,
        permissions: checked(form, "permission"),
        departments: checked(form, "department").map(Number),
      };
      if (ctx.me.is_admin) body.is_admin = admin.checked;
      if (isNew) { body.login = login.value; body.password = password.value; }
      // Only what changed: a manager resending an admin flag they may not touch is refused.
      if (!isNew && body.is_admin === user.is_admin) delete body.is_admin;
      save.disabled = true;
      try {
        const saved = await ctx.api(isNew ? "/api/v1/users" : `/api/v1/users/${user.id}`,
          { method: isNew ? "POST" : "PATCH", body });
        ctx.toast(isNew ? t("Usuário {login} criado.", { login: saved.login }) : t("{name}: alterações salvas.", { name: saved.name }));
        editing = null;
        await refresh();
      } catch (err) {
        error.textContent = err.message || t("Não foi possível salvar.");
        error.hidden = false;
      } finally { save.disabled = false; }
    });
    if (!isNew) form.append(passwordReset(user), apiTokens(user));
    return form;
  }

  // The user's API tokens (integrations): when made and last used, and a way to revoke one.
  // The secret itself is shown only to whoever creates the token.
  function apiTokens(user) {
    const box = h("div", { class: "acct-tokens", dataset: { tokensOf: String(user.id) } },
      h("h4", { text: t("Tokens de API") }));
    const list = h("ul", { class: "acct-token-list" });
    box.append(list);
    async function fill() {
      let tokens;
      try { tokens = await ctx.api(`/api/v1/users/${user.id}/tokens`); } catch (err) { ctx.showError(err); return; }
      clear(list);
      if (!tokens.length) list.append(h("li", { class: "muted", text: t("Nenhum token ativo.") }));
      for (const token of tokens) {
        const used = token.last_used_at ? t("último uso {when}", { when: dateTimeOf(token.last_used_at) }) : t("nunca usado");
        const revoke = h("button", { type: "button", class: "link-btn danger", text: t("Revogar") });
        revoke.addEventListener("click", () => ctx.confirmThen({
          title: t("Revogar o token “{token}” de {name}?", { token: token.name || t("sem nome"), name: user.name }),
          lines: [t("A integração que usa este token deixa de funcionar na hora.")],
          confirm: t("Revogar"), danger: true,
        }, async () => {
          await ctx.api(`/api/v1/users/${user.id}/tokens/${token.id}`, { method: "DELETE" });
          ctx.toast(t("Token revogado."));
          await fill();
        }));
        list.append(h("li", { dataset: { token: String(token.id) } },
          h("span", { text: t("{token} — criado {when}, {used}", { token: token.name || t("Sem nome"), when: dateTimeOf(token.created_at), used }) }), " ", revoke));
      }
    }
    fill();
    return box;
  }

  function passwordReset(user) {
    const box = h("div", { class: "acct-reset" });
    const input = h("input", { type: "password", name: "new_password", autocomplete: "new-password", minlength: 8 });
    const button = h("button", { type: "button", class: "btn", text: t("Redefinir senha") });
    box.append(field(t("Nova senha"), input), button);
    button.addEventListener("click", () => {
      if (!input.value) { input.focus(); return; }
      ctx.confirmThen({
        title: t("Redefinir a senha de {name}?", { name: user.name }),
        lines: [t("A pessoa sai de todos os aparelhos e navegadores e entra de novo com a nova senha.")],
        confirm: t("Redefinir senha"),
      }, async () => {
        await ctx.api(`/api/v1/users/${user.id}`, { method: "PATCH", body: { password: input.value } });
        input.value = "";
        ctx.toast(t("Senha de {name} redefinida.", { name: user.name }));
      });
    });
    return box;
  }

  async function setActive(user, active) {
    const change = async () => {
      await ctx.api(`/api/v1/users/${user.id}`, { method: "PATCH", body: { active } });
      ctx.toast(active ? t("{name} reativado.", { name: user.name }) : t("{name} desativado.", { name: user.name }));
      await refresh();
    };
    if (active) { await change().catch(ctx.showError); return; }
    await ctx.confirmThen({
      title: t("Desativar {name}?", { name: user.name }),
      lines: [
        t("A pessoa não consegue mais entrar e sai na hora de todos os navegadores e integrações."),
        t("As conversas e o histórico continuam. Você pode reativar depois."),
      ],
      confirm: t("Desativar"), danger: true,
    }, change);
  }

  function draw() {
    clear(formSlot);
    if (editing === "new") formSlot.append(editor(null));
    newButton.hidden = editing === "new";
    clear(table);
    table.append(h("thead", {}, h("tr", {},
      ...[t("Nome"), t("Login"), t("Tipo"), t("Permissões"), t("Departamentos"), t("Situação"), ""].map((t) => h("th", { text: t })))));
    const body = h("tbody");
    for (const user of users) {
      const actions = h("td", { class: "acct-row-actions" });
      if (mayEdit(user)) {
        actions.append(h("button", { type: "button", class: "link-btn", text: t("Editar"),
          onclick: () => { editing = editing === user.id ? null : user.id; draw(); } }));
        // Nobody deactivates themselves (the server refuses it too).
        if (user.id !== ctx.me.id) {
          actions.append(h("button", {
            type: "button", class: "link-btn", text: user.active ? t("Desativar") : t("Reativar"),
            onclick: () => setActive(user, !user.active),
          }));
        }
      }
      body.append(h("tr", { class: user.active ? "" : "acct-inactive", dataset: { user: String(user.id), login: user.login } },
        h("td", { text: user.name }),
        h("td", { text: user.login }),
        h("td", { text: user.is_admin ? t("Administrador") : t("Normal") }),
        h("td", { class: "acct-small", text: user.is_admin ? t("Todas") : (user.permissions.map(label).join(", ") || "—") }),
        h("td", { class: "acct-small", text: user.departments.map(deptName).sort((a, b) => a.localeCompare(b, lang)).join(", ") || "—" }),
        h("td", { text: user.active ? t("Ativo") : t("Desativado") }),
        actions));
      if (editing === user.id) {
        body.append(h("tr", { class: "acct-editor" }, h("td", { colspan: "7" }, editor(user))));
      }
    }
    table.append(body);
  }

  async function refresh() {
    await load();
    draw();
  }

  newButton.addEventListener("click", () => { editing = "new"; draw(); formSlot.querySelector("input[name=login]")?.focus(); });
  window.addEventListener("balcao:account", (event) => {
    // Another admin changed users or departments: redraw unless a form is being filled in.
    if (event.detail.what === "users" && container.isConnected && editing === null) refresh().catch(ctx.showError);
  });
  await refresh();
}
