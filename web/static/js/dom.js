// Building DOM from data: text always goes in as text nodes, never as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") {
      for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
    }
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Accent- and case-insensitive form of a name, as the server folds it. */
export function fold(text) {
  return (text || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

export const digits = (text) => (text || "").replace(/\D/g, "");

/** A stable, pleasant colour for a name's avatar. */
export function avatarColor(seed) {
  const palette = ["#6bcbef", "#e26ab6", "#a4d165", "#f4a261", "#7d88e6", "#53bdeb", "#d1909e",
    "#35cd96", "#ff8d85", "#b6a3e8", "#9bb4c1", "#ffbc38"];
  let n = 0;
  for (const ch of String(seed)) n = (n * 31 + ch.codePointAt(0)) >>> 0;
  return palette[n % palette.length];
}

export function avatar(name, seed, extraClass = "") {
  const letter = Array.from((name || "?").trim())[0] || "?";
  return h("span", {
    class: `avatar ${extraClass}`.trim(),
    "aria-hidden": "true",
    style: { "--avatar": avatarColor(seed ?? name) },
    text: /\p{L}|\p{N}/u.test(letter) ? letter.toUpperCase() : "#",
  });
}

/** An RFC 4122 version 4 id; crypto.randomUUID needs a secure context, the LAN is plain http. */
export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
