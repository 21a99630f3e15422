// The inline form that renames a row of an admin table (a department, a device): the name
// selected to type over, Save and Cancel.
import { t } from "../i18n.js";
import { h } from "../dom.js";

/** ``path`` takes the PATCH of the new name and ``renamed`` is the toast after it; then
 * ``onSaved()`` (awaited), or ``onCancel()`` for Cancel, closes the form. */
export function renameForm(ctx, { name, path, renamed, onSaved, onCancel }) {
  const input = h("input", { name: "name", required: true, maxlength: 120, value: name, "aria-label": t("Novo nome") });
  const form = h("form", { class: "admin-form acct-inline" }, input,
    h("button", { type: "submit", class: "btn primary", text: t("Salvar") }),
    h("button", { type: "button", class: "btn", text: t("Cancelar"), onclick: onCancel }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await ctx.api(path, { method: "PATCH", body: { name: input.value } });
      ctx.toast(renamed);
      await onSaved();
    } catch (err) { ctx.showError(err); }
  });
  queueMicrotask(() => input.select());
  return form;
}
