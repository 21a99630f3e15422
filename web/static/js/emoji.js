// Emoji picker (C13): a small hand-picked set, no network; the last used come first.
// Colour glyphs come from the system's emoji font (Debian: fonts-noto-color-emoji).
import { t } from "./i18n.js";
import { icon } from "./icons.js";

const SETS = [
  ["clock", t("Recentes"), []],
  ["smile", t("Carinhas"), "😀 😃 😄 😁 😆 😅 😂 🤣 😊 😇 🙂 🙃 😉 😌 😍 🥰 😘 😗 😙 😚 😋 😛 😝 😜 🤪 🤨 🧐 🤓 😎 🥸 🤩 🥳 😏 😒 😞 😔 😟 😕 🙁 😣 😖 😫 😩 🥺 😢 😭 😤 😠 😡 🤬 🤯 😳 🥵 🥶 😱 😨 😰 😥 😓 🤗 🤔 🫡 🤭 🤫 🤥 😶 😐 😑 😬 🙄 😯 😦 😧 😮 😲 🥱 😴 🤤 😪 😵 🤐 🥴 🤢 🤮 🤧 😷 🤒 🤕 🤑 🤠"],
  ["thumb", t("Gestos"), "👍 👎 👌 🤌 🤏 ✌️ 🤞 🫶 🤟 🤘 🤙 👈 👉 👆 👇 ☝️ ✋ 🤚 🖐️ 🖖 👋 🤝 🙏 👏 🙌 👐 🤲 💪 ✍️ 💅 🫵 🙋 🙋‍♀️ 🙋‍♂️ 🤷 🤷‍♀️ 🤷‍♂️ 🤦 🙆 🙅 💁 🙇"],
  ["heart", t("Símbolos"), "❤️ 🧡 💛 💚 💙 💜 🖤 🤍 🤎 💔 ❣️ 💕 💞 💓 💗 💖 💘 💝 ✅ ☑️ ✔️ ❌ ❎ ⚠️ ❗ ❓ ‼️ ⁉️ 💯 🔥 ⭐ 🌟 ✨ ⚡ 💥 🎉 🎊 🎁 🏷️ 🆗 🆕 🆓 🔔 🔕 📣 💬 💭 🕐 ⏰ ⏳ ⌛"],
  ["food", t("Comida"), "🍎 🍊 🍋 🍌 🍉 🍇 🍓 🍒 🍑 🥭 🍍 🥥 🥑 🍅 🥕 🌽 🥦 🍞 🥐 🧀 🥚 🍳 🥓 🍔 🍟 🍕 🌭 🥪 🌮 🌯 🥗 🍝 🍜 🍲 🍣 🍰 🎂 🧁 🍫 🍬 🍩 🍪 ☕ 🍵 🧃 🥤 🍺 🍻 🥂 🍷"],
  ["bag", t("Objetos"), "📦 📫 📮 🛒 🛍️ 💳 💰 💵 🪙 🧾 📱 💻 🖨️ ⌨️ 📷 📸 🎧 🔌 🔋 💡 🔦 🧰 🔧 🔨 🪛 ✂️ 📎 📌 📍 🗓️ 📅 📝 ✏️ 🖊️ 📄 📃 📋 📊 📈 🔑 🔒 🔓 🏠 🏪 🏬 🚚 🛵 🚗 ✈️ 🎈"],
  ["sun", t("Natureza"), "🌞 🌝 🌙 ⭐ ☁️ ⛅ 🌧️ ⛈️ 🌈 ❄️ ☃️ 💧 🌊 🌸 🌹 🌻 🌷 🌼 🌱 🌿 🍀 🌳 🌴 🌵 🍁 🍂 🐶 🐱 🐭 🐰 🦊 🐻 🐼 🐨 🐯 🦁 🐮 🐷 🐸 🐵 🐔 🐧 🐦 🦋 🐝 🐞 🐢 🐍 🐠 🐬"],
  ["star", t("Atividades"), "⚽ 🏀 🏈 ⚾ 🎾 🏐 🏓 🥊 🏆 🥇 🥈 🥉 🎮 🎲 🧩 🎯 🎳 🎤 🎸 🎹 🥁 🎬 🎨 🧵 🧶 🏖️ 🏕️ 🎄 🎃 🇧🇷"],
];
const KEY = "balcao.emoji.recent";
const MAX_RECENT = 24;

const recent = () => {
  try { return JSON.parse(localStorage.getItem(KEY) || "[]").filter((e) => typeof e === "string"); }
  catch { return []; }
};

export function createEmojiPicker({ button, panel, onPick }) {
  let tab = recent().length ? 0 : 1;

  function grid(list) {
    const g = document.createElement("div");
    g.className = "emoji-grid";
    g.setAttribute("role", "listbox");
    if (!list.length) {
      const p = document.createElement("p");
      p.className = "emoji-label";
      p.textContent = t("Os emojis que você usar aparecem aqui.");
      g.append(p);
    }
    for (const emoji of list) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = emoji;
      b.dataset.emoji = emoji;
      b.setAttribute("role", "option");
      g.append(b);
    }
    return g;
  }

  function render() {
    panel.replaceChildren();
    const tabs = document.createElement("div");
    tabs.className = "emoji-tabs";
    tabs.setAttribute("role", "tablist");
    SETS.forEach(([iconName, label], i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.append(icon(iconName, 20));
      b.title = label;
      b.setAttribute("role", "tab");
      b.setAttribute("aria-selected", String(i === tab));
      b.addEventListener("click", () => { tab = i; render(); });
      tabs.append(b);
    });
    const [, label, set] = SETS[tab];
    const list = tab === 0 ? recent() : set.split(" ");
    const g = grid(list);
    const title = document.createElement("p");
    title.className = "emoji-label";
    title.textContent = label;
    g.prepend(title);
    panel.append(tabs, g);
  }

  function toggle(show) {
    panel.hidden = !show;
    button.setAttribute("aria-expanded", String(show));
    if (show) render();
  }

  button.addEventListener("click", (event) => { event.stopPropagation(); toggle(panel.hidden); });
  panel.addEventListener("click", (event) => {
    event.stopPropagation();
    const b = event.target.closest("button[data-emoji]");
    if (!b) return;
    const emoji = b.dataset.emoji;
    const list = [emoji, ...recent().filter((e) => e !== emoji)].slice(0, MAX_RECENT);
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch { /* private mode */ }
    onPick(emoji);
  });
  document.addEventListener("click", () => { if (!panel.hidden) toggle(false); });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !panel.hidden) toggle(false); });
}
