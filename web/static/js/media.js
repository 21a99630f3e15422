// Media messages inline (C17): the player or picture when there is a file URL, otherwise a
// placeholder that says what it is (kind, name, size, duration, place, contact).
import { t } from "./i18n.js";
import { h } from "./dom.js";
import { duration, fileSize, phoneOf } from "./format.js";
import { icon } from "./icons.js";

const KIND_LABEL = {
  image: ["image", t("Foto")], audio: ["audio", t("Áudio")], voice: ["mic", t("Mensagem de voz")],
  video: ["video", t("Vídeo")], document: ["document", t("Documento")], location: ["place", t("Localização")],
  contact: ["person", t("Contato")], sticker: ["sticker", t("Figurinha")],
};

/** A link only to an http(s) URL, never a javascript: one. */
function safeURL(url) {
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch { return null; }
}

export function mediaBlock(m) {
  const media = m.media || {};
  const [iconName, label] = KIND_LABEL[m.kind] || ["document", t("Arquivo")];
  const url = media.url ? safeURL(media.url) : null;
  const extra = media.extra || {};
  if ((m.kind === "image" || m.kind === "sticker") && url) {
    const img = h("img", { src: url, alt: media.caption || label, loading: "lazy" });
    const shown = m.kind === "image" ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: t("Abrir a foto") }, img) : img;
    return h("div", { class: `media ${m.kind} has-file`, dataset: { kind: m.kind } }, shown);
  }
  if ((m.kind === "audio" || m.kind === "voice") && url) {
    return h("div", { class: `media ${m.kind} has-file`, dataset: { kind: m.kind } },
      h("span", { class: "kind-icon" }, icon(iconName, 26)),
      h("audio", { src: url, controls: true, preload: "metadata" }));
  }
  if (m.kind === "video" && url) {
    return h("div", { class: "media video has-file", dataset: { kind: m.kind } },
      h("video", { src: url, controls: true, preload: "metadata", playsinline: true }));
  }
  let name = label, sub = [];
  if (m.kind === "document") {
    name = media.filename || label;
    sub = [fileSize(media.size), (media.mimetype || "").split("/").pop()?.toUpperCase()];
  } else if (m.kind === "audio" || m.kind === "voice" || m.kind === "video") {
    sub = [duration(media.seconds), fileSize(media.size)];
  } else if (m.kind === "image") {
    sub = [fileSize(media.size)];
  } else if (m.kind === "location") {
    name = extra.name || label;
    const lat = Number(extra.lat), lng = Number(extra.lng);
    if (Number.isFinite(lat) && Number.isFinite(lng)) {
      const href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=17/${lat}/${lng}`;
      sub = [h("a", { href, target: "_blank", rel: "noopener noreferrer", text: `${lat.toFixed(5)}, ${lng.toFixed(5)}` })];
    }
  } else if (m.kind === "contact") {
    name = extra.name || label;
    // Users who may not see numbers get the card's name only (media.redacted).
    sub = media.redacted ? [t("número oculto")]
      : (Array.isArray(extra.phones) ? extra.phones : []).filter((p) => typeof p === "string").map(phoneOf);
  }
  sub = sub.filter(Boolean);
  const pending = !url && ["image", "audio", "voice", "video", "document", "sticker"].includes(m.kind);
  if (pending) sub.push(t("arquivo ainda não disponível"));
  const parts = [];
  sub.forEach((s, i) => { if (i) parts.push(" · "); parts.push(s); });
  const text = h("span", { class: "media-text" },
    h("span", { class: "media-name", text: name }),
    parts.length ? h("span", { class: "media-sub" }, parts) : null);
  const body = url && m.kind === "document"
    ? h("a", { href: url, download: media.filename || "" }, text) : text;
  return h("div", { class: `media ${m.kind}`, dataset: { kind: m.kind } },
    h("span", { class: "kind-icon" }, icon(iconName, 30)), body);
}
