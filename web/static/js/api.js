// The JSON API: fetch with the session's CSRF token, errors as pt-BR messages.
import { t } from "./i18n.js";
import { h } from "./dom.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const FALLBACK = {
  0: t("Sem conexão com o Balcão. Verifique a rede da loja."),
  403: t("Você não tem permissão para isto."),
  404: t("Não encontrado."),
  429: t("Muitas tentativas. Aguarde um pouco."),
  500: t("Erro no Balcão. Tente de novo em instantes."),
};

/** "a=1&tag=2&tag=3": arrays repeat the key; empty, null and false values are left out. */
export function toQuery(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    for (const v of [value].flat()) {
      if (v == null || v === "" || v === false) continue;
      q.append(key, v === true ? "true" : String(v));
    }
  }
  return q.toString();
}

export async function api(path, { method = "GET", body, params } = {}) {
  const query = toQuery(params);
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrf();
  let response;
  try {
    response = await fetch(query ? `${path}?${query}` : path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", FALLBACK[0]);
  }
  if (response.status === 401) {
    window.location.assign("/login");
    throw new ApiError(401, "auth", t("Sua sessão expirou. Faça login novamente."));
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    const message = data?.message || FALLBACK[response.status] || FALLBACK[500];
    throw new ApiError(response.status, data?.code || "", message);
  }
  return data;
}

export function toast(message, kind = "info", ms = 4000) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text: message });
  box.append(el);
  setTimeout(() => el.remove(), ms);
}

export function showError(error) {
  toast(error instanceof ApiError ? error.message : FALLBACK[500], "error", 6000);
  if (!(error instanceof ApiError)) console.error(error);
}

/** The error's message in ``el`` (an alert line by a form), shown; an error that is not the
 * API's (it has no status) gets ``fallback`` there and goes to the console. */
export function showErrorIn(el, error, fallback) {
  const fromApi = error?.status !== undefined;
  el.textContent = fromApi ? error.message : fallback;
  el.hidden = false;
  if (!fromApi) console.error(error);
}
