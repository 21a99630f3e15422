// Times in the account's zone, sizes and numbers the way the page's language writes them
// (Intl), message ticks.
import { lang, t } from "./i18n.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";

let zone = "America/Sao_Paulo";
export function setTimeZone(tz) { if (tz) zone = tz; }

// Building an Intl.DateTimeFormat is slow; a list of chats asks for hundreds of dates.
const formatters = new Map();
function fmt(opts, locale = lang) {
  const key = `${locale}|${zone}|${JSON.stringify(opts)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(locale, { timeZone: zone, ...opts }));
  return formatters.get(key);
}
const keyOf = (date) => fmt({ year: "numeric", month: "2-digit", day: "2-digit" }, "en-CA").format(date);

const toDate = (iso) => (iso instanceof Date ? iso : new Date(iso));

/** "2026-11-26" in the account's zone: messages on the same key share a day separator. */
export function dayKey(iso) { return keyOf(toDate(iso)); }

function daysAgo(iso) {
  const [y, m, d] = dayKey(iso).split("-").map(Number);
  const [ty, tm, td] = keyOf(new Date()).split("-").map(Number);
  return Math.round((Date.UTC(ty, tm - 1, td) - Date.UTC(y, m - 1, d)) / 86400000);
}

export function timeOf(iso) { return fmt({ hour: "2-digit", minute: "2-digit" }).format(toDate(iso)); }

export function dateOf(iso) {
  return fmt({ day: "2-digit", month: "2-digit", year: "numeric" }).format(toDate(iso));
}

export function dateTimeOf(iso) {
  return fmt({ day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    second: "2-digit" }).format(toDate(iso));
}

/** The day separator: Hoje, Ontem, the weekday within a week, else the date. */
export function dayLabel(iso) {
  const ago = daysAgo(iso);
  if (ago === 0) return t("Hoje");
  if (ago === 1) return t("Ontem");
  if (ago > 1 && ago < 7) return fmt({ weekday: "long" }).format(toDate(iso));
  return fmt({ day: "numeric", month: "long", year: "numeric" }).format(toDate(iso));
}

/** The time beside a chat in the list: hour today, "Ontem", weekday, else the date. */
export function listTime(iso) {
  if (!iso) return "";
  const ago = daysAgo(iso);
  if (ago === 0) return timeOf(iso);
  if (ago === 1) return t("Ontem");
  if (ago > 1 && ago < 7) return fmt({ weekday: "long" }).format(toDate(iso));
  return dateOf(iso);
}

export function fileSize(bytes) {
  if (!bytes) return "";
  const units = ["B", "KB", "MB", "GB"];
  let n = bytes, i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toLocaleString(lang, { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
}

export function duration(seconds) {
  if (!seconds) return "";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function gap(ms) {
  const min = Math.round(ms / 60000);
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60);
  return `${hours} h ${min % 60} min`;
}

/** "+55 11 98765-4321" for a Brazilian E.164 number; others as given. */
export function phoneOf(e164) {
  const m = /^\+55(\d{2})(\d{4,5})(\d{4})$/.exec(e164 || "");
  return m ? `+55 ${m[1]} ${m[2]}-${m[3]}` : e164 || "";
}

const TICKS = {
  queued: [null, t("Na fila")],
  sent: ["✓", t("Enviada")],
  delivered: ["✓✓", t("Entregue")],
  read: ["✓✓", t("Lida")],
  failed: ["!", t("Não enviada")],
};

export function tick(status) {
  const [text, title] = TICKS[status] || TICKS.queued;
  return h("span", { class: `tick ${status}`, title, "aria-label": title, dataset: { status } },
    text ?? icon("clock", 13));
}
