// Admin: the shop's devices, its WhatsApp numbers (P4). State and queue, rename, add a
// device and how to start its bridge (the token is shown once), a new token for a lost one.
// Devices are not deleted here: their chats and messages would go with them.
import { t } from "../i18n.js";
import { h, clear } from "../dom.js";
import { dateTimeOf } from "../format.js";
import { renameForm } from "./rename-form.js";

export default {
  id: "devices",
  title: t("Aparelhos"),
  allowed: (ctx) => ctx.me.is_admin,
  load: () => import("./devices.js"),
};

const STATES = {
  ready: t("Conectado"),
  connecting: t("Conectando…"),
  retrying: t("Reconectando…"),
  pairing: t("Aguardando pareamento"),
  disconnected: t("Desconectado"),
  needs_attention: t("Precisa de atenção"),
  logged_out: t("Desconectado pelo WhatsApp"),
  replaced: t("Outra sessão assumiu"),
  banned: t("Banido temporariamente"),
};

/** While the device's bridge waits for the phone: the QR code (redrawn as WhatsApp rotates
 * it) or the pair code, and what to do on the phone. */
function pairingPanel(device) {
  const { qr, code, expires_at: expiresAt } = device.pairing;
  return h("div", { class: "device-pairing", dataset: { device: String(device.id) } },
    h("p", { text: t("Conecte o celular da loja a este aparelho.") }),
    h("ol", {},
      h("li", { text: t("No celular da loja, abra o WhatsApp.") }),
      h("li", { text: t("Toque em Mais opções ou Configurações › Aparelhos conectados › Conectar um aparelho.") }),
      h("li", { text: qr ? t("Aponte a câmera para este código.") : t("Toque em “Conectar com número de telefone” e digite este código.") })),
    qr
      ? h("img", { class: "device-qr", alt: t("QR code de pareamento"), width: 232, height: 232,
        src: `/api/v1/devices/${device.id}/pairing.svg?v=${expiresAt}` })
      : h("p", { class: "device-pair-code", text: code }));
}

// What `balcao bridge --driver` runs today; the planned ones are listed, not choosable.
const DRIVERS = [
  ["sim", t("Simulado (demonstração e testes)")],
  ["waweb", t("WhatsApp Web (pareado por QR code)")],
];
const PLANNED_DRIVERS = [["adb", t("Android no USB — em breve")]];

function copyButton(text) {
  const button = h("button", { type: "button", class: "btn", text: t("Copiar") });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = t("Copiado");
    } catch {
      // Plain http on the LAN has no clipboard API: select the text for Ctrl+C instead.
      const code = button.previousElementSibling;
      window.getSelection().selectAllChildren(code);
    }
  });
  return button;
}

/** The bridge of a new device (or a new token): the command, the service and the token. */
function bridgeSetup(setup) {
  const line = (label, text) => h("div", { class: "acct-code-row" },
    h("span", { class: "acct-code-label", text: label }), h("code", { text }), copyButton(text));
  return h("section", { class: "acct-setup", id: "device-setup", dataset: { device: String(setup.device.id) }, "aria-live": "polite" },
    h("h3", { text: t("Como ligar o bridge de “{name}”", { name: setup.device.name }) }),
    h("p", { text: t("No Balcão (a caixa da loja), rode o comando abaixo, ou ligue o serviço do systemd para ele subir sozinho:") }),
    line(t("Comando"), setup.command),
    line(t("Serviço"), `sudo systemctl enable --now ${setup.service}`),
    h("p", { text: t("O token já foi gravado em {token_file}, onde o bridge o procura. Para um bridge em outra máquina, use o token abaixo (--token-file ou a variável BALCAO_BRIDGE_TOKEN).", { token_file: setup.token_file }) }),
    line(t("Token"), setup.token),
    h("p", { class: "acct-warn", text: t("Guarde o token agora: ele não é mostrado de novo. Se perder, gere um novo token.") }));
}

export async function render(container, ctx) {
  let devices = [];
  let setAside = {};
  let renaming = null;
  const showNumbers = Boolean(ctx.boot.can_see_numbers);

  const name = h("input", { name: "name", id: "device-name", required: true, maxlength: 120, placeholder: t("ex.: WhatsApp das entregas"), autocomplete: "off" });
  const driver = h("select", { name: "driver", id: "device-driver" },
    ...DRIVERS.map(([value, label]) => h("option", { value, text: label })),
    ...PLANNED_DRIVERS.map(([value, label]) => h("option", { value, text: label, disabled: true })));
  const create = h("form", { class: "admin-form", id: "device-create" },
    h("label", { for: "device-name" }, h("span", { text: t("Novo aparelho") }), name),
    h("label", { for: "device-driver" }, h("span", { text: t("Tipo de ligação") }), driver),
    h("button", { type: "submit", class: "btn primary", text: t("Cadastrar aparelho") }));
  const setupSlot = h("div");
  const table = h("table", { class: "admin-table acct-table", id: "devices-table" });
  container.append(
    h("p", { class: "muted", text: t("Cada aparelho é um número de WhatsApp da loja, ligado ao Balcão pelo seu bridge. Aparelhos não são excluídos por aqui: as conversas deles seriam apagadas junto.") }),
    table, create, setupSlot);

  function showSetup(setup) {
    clear(setupSlot);
    setupSlot.append(bridgeSetup(setup));
    setupSlot.scrollIntoView({ block: "nearest" });
  }

  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const setup = await ctx.api("/api/v1/devices", { method: "POST", body: { name: name.value, driver: driver.value } });
      name.value = "";
      ctx.toast(t("Aparelho {name} cadastrado.", { name: setup.device.name }));
      await refresh();
      showSetup(setup);
    } catch (err) { ctx.showError(err); }
  });

  function newToken(device) {
    return ctx.confirmThen({
      title: t("Gerar um novo token para {name}?", { name: device.name }),
      lines: [
        t("O token atual deixa de valer em até meio minuto: o bridge que o usa para de receber e enviar mensagens até ser reiniciado com o novo."),
      ],
      confirm: t("Gerar novo token"), danger: true,
    }, async () => showSetup(await ctx.api(`/api/v1/devices/${device.id}/token`, { method: "POST" })));
  }

  const rename = (device) => renameForm(ctx, {
    name: device.name, path: `/api/v1/devices/${device.id}`, renamed: t("Aparelho renomeado."),
    onSaved: () => { renaming = null; return refresh(); },
    onCancel: () => { renaming = null; draw(); },
  });

  function draw() {
    clear(table);
    if (!devices.length) {
      table.append(h("caption", { class: "muted", text: t("Nenhum aparelho cadastrado ainda.") }));
      return;
    }
    const heads = [t("Aparelho"), showNumbers ? t("Número") : null, t("Estado"), t("Na fila"), t("Último sinal"), ""].filter((t) => t !== null);
    table.append(h("thead", {}, h("tr", {}, ...heads.map((t) => h("th", { text: t })))));
    const body = h("tbody");
    for (const device of devices) {
      body.append(h("tr", { dataset: { device: String(device.id), state: device.state } },
        h("td", { text: device.name }),
        showNumbers ? h("td", { text: device.phone || "—" }) : null,
        h("td", { class: `acct-state ${device.state}`, title: device.state_detail || null,
          text: (STATES[device.state] || device.state)
            + (device.state === "banned" && device.until ? " " + t("até {until}", { until: dateTimeOf(device.until) }) : "") }),
        h("td", { text: String(device.queued), title: t("{outbox} no Balcão, {phone_queue} no celular", { outbox: device.outbox, phone_queue: device.phone_queue }) }),
        h("td", { class: "acct-small", text: device.last_event_at ? dateTimeOf(device.last_event_at) : "—" }),
        h("td", { class: "acct-row-actions" },
          h("button", { type: "button", class: "link-btn", text: t("Renomear"),
            onclick: () => { renaming = renaming === device.id ? null : device.id; draw(); } }),
          h("button", { type: "button", class: "link-btn", text: t("Novo token"), onclick: () => newToken(device) }))));
      if (device.state === "pairing" && device.pairing) {
        body.append(h("tr", { class: "acct-editor" }, h("td", { colspan: String(heads.length) }, pairingPanel(device))));
      }
      const aside = setAside[device.id];
      if (aside && aside.count) {
        body.append(h("tr", { class: "acct-editor device-set-aside", dataset: { device: String(device.id) } },
          h("td", { colspan: String(heads.length) },
            h("details", {},
              h("summary", { class: "acct-warn", text: t("{count} evento(s) posto(s) de lado pelo bridge: recusados pelo Balcão ou com falha repetida. A conexão seguiu sem eles; o bridge os guarda no diário.", { count: aside.count }) }),
              h("ul", {}, ...aside.events.map((e) => h("li", { class: "acct-small", title: e.event,
                text: [e.at ? dateTimeOf(e.at) : "—", t("{kind} nº {seq}", { kind: e.kind, seq: e.seq }),
                  e.failures ? t("{failures} falhas", { failures: e.failures }) : null, e.reason].filter(Boolean).join(" · ") })))))));
      }
      if (renaming === device.id) {
        body.append(h("tr", { class: "acct-editor" }, h("td", { colspan: String(heads.length) }, rename(device))));
      }
    }
    table.append(body);
  }

  async function refresh() {
    devices = await ctx.api("/api/v1/devices");
    const lists = await Promise.all(devices.map((d) => ctx.api(`/api/v1/devices/${d.id}/set-aside`)));
    setAside = Object.fromEntries(devices.map((d, i) => [d.id, lists[i]]));
    draw();
  }

  // Live states (and each new QR code) as the bridges report them.
  const onDevices = (event) => {
    if (!container.isConnected) { window.removeEventListener("balcao:devices", onDevices); return; }
    const live = new Map(event.detail.devices.map((d) => [d.id, d]));
    const known = devices.every((d) => live.has(d.id)) && live.size === devices.length;
    if (!known) { refresh().catch(ctx.showError); return; }
    devices = devices.map((d) => live.get(d.id));
    if (renaming === null) draw();
  };
  window.addEventListener("balcao:devices", onDevices);

  await refresh();
}
