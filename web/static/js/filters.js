// Chat list filters: the form, and the URL that makes a filtered view bookmarkable.
import { t } from "./i18n.js";
import { h, clear } from "./dom.js";
import { icon } from "./icons.js";
import { api } from "./api.js";
import { loadStatuses } from "./status-button.js";

export const DEFAULTS = Object.freeze({
  name: "", number: "", tag: [], tag_mode: "any", assignee: [], stage: [], status: [],
  unread: false, archived: false, broadcast: false, order: "recent",
});
const ORDERS = ["recent", "unread", "name", "registered", "waiting"];
const MODES = ["all", "any", "none"];
// The status filter (L6) belongs to the attendance module: while it is off a status in the
// URL is ignored, as the form does not show it.
let attendanceOn = true;

export function fromURL(search) {
  const q = new URLSearchParams(search);
  const flag = (k) => q.get(k) === "true" || q.get(k) === "1";
  return {
    name: q.get("name") || "",
    number: q.get("number") || "",
    tag: q.getAll("tag").map(Number).filter(Number.isInteger),
    tag_mode: MODES.includes(q.get("tag_mode")) ? q.get("tag_mode") : "any",
    assignee: q.getAll("assignee").filter((a) => /^(none|user:\d+|department:\d+)$/.test(a)),
    stage: q.getAll("stage").map(Number).filter((n) => Number.isInteger(n) && n > 0),
    status: q.getAll("status").map(Number).filter((n) => Number.isInteger(n) && n > 0),
    unread: flag("unread"), archived: flag("archived"), broadcast: flag("broadcast"),
    order: ORDERS.includes(q.get("order")) ? q.get("order") : "recent",
  };
}

/** Only what differs from the defaults: the API's query parameters and the page's URL. */
export function toParams(f) {
  const p = {};
  if (f.name.trim()) p.name = f.name.trim();
  if (f.number.trim()) p.number = f.number.trim();
  if (f.tag.length) { p.tag = f.tag; if (f.tag_mode !== "any") p.tag_mode = f.tag_mode; }
  if (f.assignee.length) p.assignee = f.assignee;
  if (f.stage?.length) p.stage = f.stage;
  if (attendanceOn && f.status?.length) p.status = f.status;
  for (const k of ["unread", "archived", "broadcast"]) if (f[k]) p[k] = true;
  if (f.order !== "recent") p.order = f.order;
  return p;
}

/** Filters inside the panel (the listing pills are counted apart). */
function panelCount(f) {
  return [f.name.trim(), f.number.trim(), f.tag.length, f.assignee.length, f.stage?.length,
    attendanceOn && f.status?.length, f.order !== "recent"]
    .filter(Boolean).length;
}

function chip(label, pressed, data, swatch, iconName) {
  return h("button", { type: "button", class: "chip", "aria-pressed": String(pressed), dataset: data },
    swatch ? h("span", { class: "swatch", style: { background: swatch } }) : null,
    iconName ? icon(iconName, 15) : null, label);
}

export function initFilters({ boot, onChange }) {
  const form = document.getElementById("filters");
  const toggle = document.getElementById("filters-toggle");
  const counter = document.getElementById("filters-count");
  const tagBox = document.getElementById("tag-choices");
  const assigneeBox = document.getElementById("assignee-choices");
  const statusBox = document.getElementById("status-choices");
  const statusField = document.getElementById("status-filter");
  let state = { ...DEFAULTS };
  const stages = funnelStages(() => state, (next) => { state = next; changed(); });
  let statuses = [];
  const modules = boot.modules || {};

  document.getElementById("number-filter").hidden = !boot.can_see_numbers;
  if (!boot.can_see_numbers) form.elements.number.disabled = true;

  function renderChips() {
    clear(tagBox);
    if (!boot.tags.length) tagBox.append(h("span", { class: "muted", text: t("Nenhuma tag criada.") }));
    for (const t of boot.tags) {
      tagBox.append(chip(t.name, state.tag.includes(t.id), { tagId: t.id }, t.color));
    }
    clear(assigneeBox);
    assigneeBox.append(chip(t("Sem responsável"), state.assignee.includes("none"), { assignee: "none" }));
    for (const d of boot.departments) {
      const key = `department:${d.id}`;
      assigneeBox.append(chip(d.name, state.assignee.includes(key), { assignee: key }, null, "group"));
    }
    for (const u of boot.users) {
      const key = `user:${u.id}`;
      assigneeBox.append(chip(u.name, state.assignee.includes(key), { assignee: key }, null, "person"));
    }
    clear(statusBox);
    for (const s of statuses) {
      statusBox.append(chip(s.name, state.status.includes(s.id), { statusId: s.id }, s.color));
    }
  }

  /** The account's statuses for the chips; the fieldset only while the module is on. */
  async function loadStatusChoices() {
    attendanceOn = modules.attendance !== false;
    statusField.hidden = !attendanceOn;
    statuses = [];
    if (attendanceOn) {
      try { statuses = await loadStatuses(api); } catch (error) { console.error(error); }
    }
    renderChips();
  }
  // The account's tags changed: app.js has read them again into boot.tags.
  window.addEventListener("balcao:account", (event) => { if (event.detail.what === "tags") renderChips(); });
  window.addEventListener("balcao:account", async (event) => {
    const what = event.detail.what;
    if (what !== "statuses" && what !== "modules") return;
    if (what === "modules") {
      try { Object.assign(modules, await api("/api/v1/modules/enabled")); } catch (error) { console.error(error); }
    }
    const was = toParams(state).status;
    await loadStatusChoices();
    if (String(was) !== String(toParams(state).status)) changed();
  });

  function show() {
    const el = form.elements;
    el.name.value = state.name;
    el.number.value = state.number;
    el.order.value = state.order;
    for (const radio of form.querySelectorAll("input[name=tag_mode]")) radio.checked = radio.value === state.tag_mode;
    el.unread.checked = state.unread;
    el.archived.checked = state.archived;
    el.broadcast.checked = state.broadcast;
    renderChips();
    stages.render();
    const n = panelCount(state);
    counter.hidden = n === 0;
    counter.textContent = String(n);
  }

  function changed() {
    const n = panelCount(state);
    counter.hidden = n === 0;
    counter.textContent = String(n);
    onChange({ ...state });
  }

  let typing;
  form.addEventListener("input", (event) => {
    const t = event.target;
    if (t.name === "name" || t.name === "number") {
      state = { ...state, [t.name]: t.value };
      clearTimeout(typing);
      typing = setTimeout(changed, 250);
    }
  });
  // The listing pills sit outside the form (form="filters"): events do not bubble to it.
  const onInput = (event) => {
    const t = event.target;
    if (t.name === "tag_mode") state = { ...state, tag_mode: t.value };
    else if (t.name === "order") state = { ...state, order: t.value };
    else if (["unread", "archived", "broadcast"].includes(t.name)) state = { ...state, [t.name]: t.checked };
    else return;
    changed();
  };
  form.addEventListener("change", onInput);
  document.querySelector(".listing-tabs").addEventListener("change", onInput);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("click", (event) => {
    const button = event.target.closest(".chip");
    if (!button) return;
    const pressed = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(pressed));
    if (button.dataset.stageId) {
      const id = Number(button.dataset.stageId);
      state = { ...state, stage: pressed ? [...state.stage, id] : state.stage.filter((x) => x !== id) };
      changed();
      return;
    }
    if (button.dataset.statusId) {
      const id = Number(button.dataset.statusId);
      state = { ...state, status: pressed ? [...state.status, id] : state.status.filter((x) => x !== id) };
    } else if (button.dataset.tagId) {
      const id = Number(button.dataset.tagId);
      state = { ...state, tag: pressed ? [...state.tag, id] : state.tag.filter((x) => x !== id) };
    } else {
      const key = button.dataset.assignee;
      state = { ...state, assignee: pressed ? [...state.assignee, key] : state.assignee.filter((x) => x !== key) };
    }
    changed();
  });
  document.getElementById("filters-clear").addEventListener("click", () => {
    state = { ...DEFAULTS, archived: state.archived, broadcast: state.broadcast };
    show();
    changed();
  });
  toggle.addEventListener("click", () => {
    form.hidden = !form.hidden;
    toggle.setAttribute("aria-expanded", String(!form.hidden));
  });

  loadStatusChoices();

  return {
    get: () => ({ ...state }),
    set(filters) {
      state = { ...DEFAULTS, ...filters };
      show();
      if (panelCount(state)) { form.hidden = false; toggle.setAttribute("aria-expanded", "true"); }
    },
  };
}

/**
 * The funnel fieldset (L5): the stages of every funnel as chips; several stages of several
 * funnels at once keep the chats at any of them. Absent while the funnel module is off or
 * there is no funnel; reloaded when funnels or modules change.
 */
function funnelStages(getState, setState) {
  const box = document.getElementById("funnel-filter");
  const choices = document.getElementById("stage-choices");
  let funnels = [];

  function render() {
    if (!box) return;
    clear(choices);
    box.hidden = !funnels.some((f) => f.stages.length);
    const chosen = getState().stage;
    for (const f of funnels) {
      if (!f.stages.length) continue;
      choices.append(h("div", { class: "funnel-choice", dataset: { funnelId: f.id } },
        h("span", { class: "funnel-choice-name", text: f.name }),
        h("div", { class: "chips" }, f.stages.map((s) => chip(s.name, chosen.includes(s.id),
          { stageId: s.id }, s.color)))));
    }
  }

  async function load() {
    try {
      funnels = await api("/api/v1/funnels");
    } catch (error) {
      if (error.status !== 404) { console.error(error); return; }
      funnels = []; // the module is off
    }
    const known = new Set(funnels.flatMap((f) => f.stages.map((s) => s.id)));
    const state = getState();
    render();
    // Stages that are gone (deleted, or the module switched off) no longer filter.
    if (state.stage.some((id) => !known.has(id))) {
      setState({ ...state, stage: state.stage.filter((id) => known.has(id)) });
    }
  }

  if (box) {
    load();
    window.addEventListener("balcao:account", (event) => {
      if (["funnels", "modules"].includes(event.detail.what)) load();
    });
  }
  return { render };
}

function atChosenStage(f, chat) {
  return f.stage.some((id) => (chat.stages || []).includes(id));
}

/** Whether a chat (as the API shows it) belongs in the listing: for live updates. */
export function matches(f, chat) {
  if (Boolean(chat.archived) !== f.archived || Boolean(chat.is_broadcast) !== f.broadcast) return false;
  if (f.unread && !(chat.unread_count > 0)) return false;
  if (f.order === "waiting" && !chat.waiting_since) return false;
  const fold = (s) => (s || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  if (f.name.trim() && !fold(chat.name).includes(fold(f.name.trim()))) return false;
  const wanted = f.number.replace(/\D/g, "");
  if (wanted && !(chat.phone || "").replace(/\D/g, "").includes(wanted)) return false;
  if (f.tag.length) {
    const has = new Set(chat.tags.map((t) => t.id));
    const hits = f.tag.filter((t) => has.has(t)).length;
    if (f.tag_mode === "all" && hits !== f.tag.length) return false;
    if (f.tag_mode === "any" && hits === 0) return false;
    if (f.tag_mode === "none" && hits > 0) return false;
  }
  if (attendanceOn && f.status?.length && !f.status.includes(chat.status_id)) return false;
  if (f.assignee.length) {
    const ok = f.assignee.some((key) => {
      if (key === "none") return chat.assignees.length === 0;
      const [kind, id] = key.split(":");
      return chat.assignees.some((a) => a.kind === kind && a.id === Number(id));
    });
    if (!ok) return false;
  }
  if (f.stage?.length && !atChosenStage(f, chat)) return false;
  return true;
}
