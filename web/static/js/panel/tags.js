// The chat's tags (I7).
import { h } from "../dom.js";

export default {
  id: "tags",
  render(chat) {
    return h("section", { class: "info-card", dataset: { section: "tags" } },
      h("h3", { text: "Tags" }),
      chat.tags.length
        ? h("div", {}, chat.tags.map((t) => h("span", { class: "tag" },
          h("span", { class: "tag-dot", style: { background: t.color || "#8696a0" } }), t.name)))
        : h("span", { class: "muted", text: "Nenhuma tag" }));
  },
};
