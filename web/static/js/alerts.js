// Message alerts (T4, T5): a sound and a browser notification for chats assigned to me or my
// departments; the unread count in the page title. Sound on/off is the user's preference on
// the server (any browser), cached in localStorage so the other tabs of this browser follow.
import { t } from "./i18n.js";
import { api, showError } from "./api.js";
import { icon } from "./icons.js";

export function createAlerts({ me }) {
  const button = document.getElementById("sound-toggle");
  const key = `balcao.sound.${me.id}`;
  let soundOn = Boolean(me.sound_on);
  localStorage.setItem(key, soundOn ? "on" : "off");
  let audio = null;
  let unread = 0;

  function show() {
    button.replaceChildren(icon(soundOn ? "bell" : "bellOff"));
    button.title = soundOn ? t("Sons ligados (clique para desligar)") : t("Sons desligados (clique para ligar)");
    button.setAttribute("aria-pressed", String(soundOn));
  }

  function beep() {
    try {
      audio = audio || new AudioContext();
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.setValueAtTime(880, audio.currentTime);
      osc.frequency.setValueAtTime(1175, audio.currentTime + 0.09);
      gain.gain.setValueAtTime(0.0001, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.32);
    } catch { /* no audio device */ }
  }

  const canNotify = () => "Notification" in window && window.isSecureContext;

  let saving = null;
  function setSound(on) {
    soundOn = on;
    localStorage.setItem(key, on ? "on" : "off");
    show();
  }

  button.addEventListener("click", async () => {
    if (saving) return;
    const wanted = !soundOn;
    setSound(wanted);
    if (wanted) beep();
    if (canNotify() && Notification.permission === "default") Notification.requestPermission();
    button.setAttribute("aria-busy", "true");
    saving = api("/api/v1/me", { method: "PATCH", body: { sound_on: wanted } });
    try {
      const user = await saving;
      setSound(Boolean(user.sound_on));
    } catch (error) {
      setSound(!wanted);
      showError(error);
    } finally {
      saving = null;
      button.removeAttribute("aria-busy");
    }
  });
  // Another tab of this browser changed it (and saved it on the server).
  window.addEventListener("storage", (event) => {
    if (event.key === key && event.newValue) { soundOn = event.newValue === "on"; show(); }
  });
  show();
  // Browsers ask for notification permission only after a click of the user's.
  document.addEventListener("click", () => {
    if (canNotify() && Notification.permission === "default") Notification.requestPermission();
  }, { once: true });

  function title() {
    document.title = unread ? t("({unread}) Conversas · Balcão", { unread }) : t("Conversas · Balcão");
  }

  function mine(chat) {
    return chat.assignees.some((a) => (a.kind === "user" && a.id === me.id)
      || (a.kind === "department" && me.departments.includes(a.id)));
  }

  return {
    get soundOn() { return soundOn; },
    setUnread(n) { unread = n; title(); },
    /** A customer's message arrived in ``chat`` (already filtered by the server to what I see). */
    message(chat, message, { focused }) {
      if (!mine(chat) || focused) return;
      if (soundOn) beep();
      if (document.hidden && canNotify() && Notification.permission === "granted") {
        const text = message.body || t("Nova mensagem");
        const n = new Notification(chat.name, { body: text.slice(0, 140), tag: `chat-${chat.id}` });
        n.addEventListener("click", () => { window.focus(); window.dispatchEvent(new CustomEvent("balcao:open", { detail: chat.id })); });
      }
      if (document.hidden) document.title = t("Nova mensagem de {name}", { name: chat.name });
    },
    restoreTitle: title,
  };
}
