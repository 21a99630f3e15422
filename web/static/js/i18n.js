// The texts a person reads, in the page's language. A msgid is the pt-BR text itself, so a
// page in pt-BR needs no catalog; in another language the server puts the catalog (built
// from appliance/locale/<lang>/LC_MESSAGES/balcao.po) in <script id="i18n">.
//
//   t("Tag “{name}” criada.", { name })      nt("{count} chat", "{count} chats", n)
const source = document.getElementById("i18n");
const catalog = source ? JSON.parse(source.textContent || "{}") : {};

/** The page's language tag (pt-BR or en), for Intl and localeCompare. */
export const lang = document.documentElement.lang || "pt-BR";

const fill = (text, params) =>
  params ? text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole)) : text;

export function t(message, params) {
  const found = catalog[message];
  return fill(typeof found === "string" && found ? found : message, params);
}

const plurals = new Intl.PluralRules(lang);

/** One of two forms by ``count`` (pt-BR and English have two), ``{count}`` filled in. */
export function nt(singular, plural, count, params) {
  const found = catalog[singular];
  const forms = Array.isArray(found) && found.length === 2 ? found : [singular, plural];
  const index = plurals.select(count) === "one" ? 0 : 1;
  return fill(forms[index], { count, ...params });
}
