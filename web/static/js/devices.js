// The top bar's device status (T2): connection state and queued messages, live.
import { t } from "./i18n.js";
import { h, clear } from "./dom.js";

const STATES = {
  ready: [t("Conectado"), "ready"],
  connecting: [t("Conectando…"), "busy"],
  retrying: [t("Reconectando…"), "busy"],
  pairing: [t("Aguardando pareamento"), "busy"],
  disconnected: [t("Desconectado"), "down"],
  needs_attention: [t("Precisa de atenção"), "down"],
  logged_out: [t("Desconectado pelo WhatsApp"), "down"],
  replaced: [t("Outra sessão assumiu"), "down"],
  banned: [t("Banido temporariamente"), "down"],
};

export function createDeviceStatus() {
  const pill = document.getElementById("device-status");
  const banner = document.getElementById("live-banner");
  let devices = [];
  let liveDown = false;

  function render() {
    clear(pill);
    if (!devices.length) {
      pill.className = "device-status down";
      pill.append(h("span", { class: "dot" }), h("span", { class: "label", text: t("Nenhum celular") }));
      pill.title = t("Nenhum celular cadastrado.");
    } else {
      const worst = devices.find((d) => d.state !== "ready") || devices[0];
      const [label, tone] = STATES[worst.state] || [worst.state, "busy"];
      const queued = devices.reduce((n, d) => n + (d.queued || 0), 0);
      pill.className = `device-status ${tone}`;
      pill.dataset.state = worst.state;
      pill.dataset.queued = String(queued);
      pill.append(h("span", { class: "dot" }), h("span", { class: "label", text: label }));
      if (queued) pill.append(h("span", { class: "queued", title: t("Mensagens na fila"), text: t("{queued} na fila", { queued }) }));
      pill.title = devices.map((d) => `${d.name}: ${(STATES[d.state] || [d.state])[0]}, ${d.queued} na fila`
        + (d.state_detail ? ` (${d.state_detail})` : "")).join("\n");
    }
    const down = devices.filter((d) => d.state !== "ready");
    if (liveDown) {
      banner.textContent = t("Sem conexão com o Balcão em tempo real. Reconectando…");
    } else if (down.length) {
      banner.textContent = `${down.map((d) => d.name).join(", ")}: ${(STATES[down[0].state] || [down[0].state])[0].toLowerCase()}. `
        + t("As mensagens ficam na fila e saem quando o celular voltar.");
    }
    banner.hidden = !liveDown && !down.length;
  }

  return {
    set(list) { devices = list || []; render(); },
    setLive(up) { liveDown = !up; render(); },
    /** Whether the phone of device ``id`` can do ``capability`` ("history", "recheck",
     * "photos"…), as its bridge last reported; a device that never reported may. */
    can(id, capability) {
      const device = devices.find((d) => d.id === id);
      return !device || !Array.isArray(device.capabilities) || device.capabilities.includes(capability);
    },
  };
}
