// Admin: the round-robin rotation (I6, "Rodízio"). Its members in turn order (up / down),
// who is away (skipped until back), and whether new customer chats go to the queue
// automatically. Each change is saved at once.
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";

export default {
  id: "queue",
  title: t("Rodízio"),
  allowed: (ctx) => ctx.me.is_admin,
  load: () => import("./queue.js"),
};

export async function render(container, ctx) {
  const auto = h("input", { type: "checkbox", role: "switch", id: "queue-new-chats" });
  const list = h("ol", { class: "admin-list queue-list", "aria-label": t("Membros do rodízio") });
  const pick = h("select", { id: "queue-add-user", "aria-label": t("Usuário para adicionar ao rodízio") });
  const addBtn = h("button", { type: "submit", class: "btn primary", text: t("Adicionar ao rodízio") });
  const next = h("p", { class: "muted queue-next", "aria-live": "polite" });
  const form = h("form", { class: "admin-form queue-add" },
    h("label", {}, t("Usuário"), pick), addBtn);
  container.append(
    h("p", { class: "muted", text: t("“Delegar p/ Fila” entrega o chat ao próximo usuário presente do rodízio: ")
      + t("quem recebeu menos chats até agora, na ordem abaixo em caso de empate. Ausentes são pulados.") }),
    h("label", { class: "switch-row queue-auto" }, auto,
      h("span", { text: t("Delegar automaticamente os chats novos de clientes para a fila") })),
    h("h3", { text: t("Ordem do rodízio") }), list, next, form);

  let queue = { members: [], queue_new_chats: false, next_user_id: null };
  let users = [];

  async function save(body, done) {
    try {
      queue = await ctx.api("/api/v1/queue", { method: "PUT", body });
      draw();
      if (done) ctx.toast(done);
    } catch (error) {
      ctx.showError(error);
      draw();
    }
  }

  const membersBody = (members) => ({ members: members.map((m) => ({ user_id: m.user_id, away: m.away })) });

  function move(index, by) {
    const members = [...queue.members];
    const [m] = members.splice(index, 1);
    members.splice(index + by, 0, m);
    save(membersBody(members));
  }

  function draw() {
    auto.checked = queue.queue_new_chats;
    clear(list);
    if (!queue.members.length) {
      list.append(h("li", { class: "muted", text: t("Ninguém no rodízio: “Delegar p/ Fila” não tem para quem entregar.") }));
    }
    queue.members.forEach((m, i) => {
      const away = h("input", { type: "checkbox", role: "switch", checked: m.away, "aria-label": t("{name} ausente", { name: m.name }) });
      away.addEventListener("change", () => {
        const members = queue.members.map((x) => (x.user_id === m.user_id ? { ...x, away: away.checked } : x));
        save(membersBody(members), `${m.name}: ${away.checked ? "ausente" : "presente"}.`);
      });
      list.append(h("li", { class: "queue-member", dataset: { user: String(m.user_id) } },
        h("span", { class: "queue-pos", text: `${i + 1}.` }),
        h("span", { class: "queue-name", text: m.name }),
        m.active ? null : h("span", { class: "muted", text: "(desativado)" }),
        m.user_id === queue.next_user_id ? h("span", { class: "tag queue-next-tag", text: t("próximo") }) : null,
        h("label", { class: "switch-row queue-away" }, away, h("span", { text: t("Ausente") })),
        h("button", { type: "button", class: "icon-btn queue-up", title: t("Subir"), "aria-label": t("Subir {name}", { name: m.name }),
          disabled: i === 0, onclick: () => move(i, -1), text: "↑" }),
        h("button", { type: "button", class: "icon-btn queue-down", title: t("Descer"), "aria-label": t("Descer {name}", { name: m.name }),
          disabled: i === queue.members.length - 1, onclick: () => move(i, 1), text: "↓" }),
        h("button", { type: "button", class: "btn queue-remove", "aria-label": t("Remover {name} do rodízio", { name: m.name }),
          text: t("Remover"), onclick: () => save(membersBody(queue.members.filter((x) => x.user_id !== m.user_id)),
            t("{name} saiu do rodízio.", { name: m.name })) })));
    });
    const inQueue = new Set(queue.members.map((m) => m.user_id));
    clear(pick);
    const candidates = users.filter((u) => !inQueue.has(u.id));
    for (const u of candidates) pick.append(h("option", { value: String(u.id), text: u.name }));
    pick.disabled = addBtn.disabled = !candidates.length;
    const nextMember = queue.members.find((m) => m.user_id === queue.next_user_id);
    next.textContent = nextMember ? t("Próximo a receber: {name}.", { name: nextMember.name })
      : queue.members.length ? t("Todos estão ausentes: “Delegar p/ Fila” não tem para quem entregar.") : "";
  }

  auto.addEventListener("change", () => save({ queue_new_chats: auto.checked },
    auto.checked ? t("Chats novos vão para a fila.") : t("Chats novos ficam sem responsável.")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = Number(pick.value);
    const user = users.find((u) => u.id === id);
    if (!user) return;
    save(membersBody([...queue.members, { user_id: id, away: false }]), t("{name} entrou no rodízio.", { name: user.name }));
  });

  async function load() {
    const [q, choices] = await Promise.all([
      ctx.api("/api/v1/queue"), ctx.api("/api/v1/assignees/choices"),
    ]);
    queue = q;
    users = choices.users;
    draw();
  }
  window.addEventListener("balcao:account", (event) => {
    if ((event.detail.what === "queue" || event.detail.what === "users") && container.isConnected) {
      load().catch(ctx.showError);
    }
  });
  await load();
}
