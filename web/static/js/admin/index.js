// The administration's sections (P1–P4), in menu order. Each entry:
// { id, title, allowed(ctx) -> bool, module?, load: () => import("./x.js") }
// and the module loaded exports render(container, ctx) (async or not). `module` names the
// account module the section belongs to: when it is off the section is absent.
// ctx: { boot, me, modules, can(permission), api, showError(error), toast(text), confirmDialog,
//   confirmThen(question, action) }.
import modules from "./modules.js";
import users from "./users.js";
import departments from "./departments.js";
import devices from "./devices.js";
import funnels from "./funnels.js";
import panel from "./panel.js";
import statuses from "./statuses.js";
import tags from "./tags.js";
import fields from "./fields.js";
import queue from "./queue.js";

export const SECTIONS = [
  panel, users, departments, queue, statuses, funnels, tags, fields, devices, modules,
];
