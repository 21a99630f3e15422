// The info panel's parts, in display order.
// A section: { id, module?, render(chat, ctx) -> Node | null }, drawn under the name card.
// A history tab: { id, title, module?, load(chat, ctx) -> Promise<Node> }, drawn when chosen.
// `module` names the account module (P3) the part belongs to: when it is off the part is absent.
// ctx: { boot, modules, can(permission), api, showChat(chat), showError(error), toast(text),
//        confirmDialog(options), confirmThen(options, action) }.
import assignees from "./assignees.js";
import tags from "./tags.js";
import fields from "./fields.js";
import details from "./details.js";
import funnels from "./funnels.js";
import attendanceHistory from "./attendance-history.js";
import assignmentHistory from "./assignment-history.js";
import mergeHistory from "./merge-history.js";

export const SECTIONS = [assignees, tags, fields, details, funnels];

export const TABS = [attendanceHistory, assignmentHistory, mergeHistory];
