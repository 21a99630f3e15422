// A modal confirmation (the page's <dialog id="confirm">): resolves true only for the
// confirm button; Esc, "Cancelar" and a click outside the box resolve false.
import { h, clear } from "./dom.js";
import { showError } from "./api.js";

export function confirmDialog({ title, lines, confirm, danger = false }) {
  const dialog = document.getElementById("confirm");
  const ok = document.getElementById("confirm-ok");
  document.getElementById("confirm-title").textContent = title;
  const text = clear(document.getElementById("confirm-text"));
  for (const line of lines) text.append(h("p", { text: line }));
  ok.textContent = confirm;
  ok.classList.toggle("danger", danger);
  dialog.returnValue = "";
  return new Promise((resolve) => {
    const outside = (event) => { if (event.target === dialog) dialog.close("cancel"); };
    dialog.addEventListener("click", outside);
    dialog.addEventListener("close", () => {
      dialog.removeEventListener("click", outside);
      resolve(dialog.returnValue === "ok");
    }, { once: true });
    dialog.showModal();
    dialog.querySelector("button[value=cancel]").focus();
  });
}

/** Asks as confirmDialog does and, confirmed, runs ``action``; its error shows as a toast. */
export async function confirmThen(question, action) {
  if (!(await confirmDialog(question))) return;
  try { await action(); } catch (error) { showError(error); }
}
