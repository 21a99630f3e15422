// Assignees of the chat (I5): the users and departments responsible for it.
import { h } from "../dom.js";
import { icon } from "../icons.js";

export default {
  id: "assignees",
  render(chat) {
    return h("section", { class: "info-card", dataset: { section: "assignees" } },
      h("h3", { text: "Responsáveis" }),
      chat.assignees.length
        ? h("div", {}, chat.assignees.map((a) => h("span", { class: "tag" },
          icon(a.kind === "department" ? "group" : "person", 15), a.name)))
        : h("span", { class: "muted", text: "Sem responsável" }));
  },
};
