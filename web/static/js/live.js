// The /ws live events: reconnects by itself with backoff, tells when it came back to catch up.

export function connectLive({ onEvent, onUp, onDown }) {
  let socket = null;
  let delay = 500;
  let everUp = false;
  let timer = null;
  let failures = 0;

  function open() {
    timer = null;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${window.location.host}/ws`);
    socket = ws;
    let hello = false;
    ws.addEventListener("message", (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      if (data.type === "hello") {
        hello = true;
        delay = 500;
        failures = 0;
        onUp(everUp);
        everUp = true;
        return;
      }
      onEvent(data);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      // 4401: the box ended this session (logout elsewhere, new password, deactivated).
      if (event.code === 4401) { window.location.assign("/login"); return; }
      onDown();
      if (!hello) failures += 1;
      // Refused several times in a row: perhaps the session ended; the API says so (→ login).
      if (failures >= 3) fetch("/api/v1/me", { credentials: "same-origin" }).then((r) => {
        if (r.status === 401) window.location.assign("/login");
      }).catch(() => {});
      const wait = delay + Math.random() * delay * 0.3;
      delay = Math.min(delay * 2, 15000);
      timer = setTimeout(open, wait);
    });
  }

  window.addEventListener("online", () => {
    if (!socket && timer) { clearTimeout(timer); delay = 500; open(); }
  });
  open();

  return {
    /** Drop the connection as a network failure would (it comes back by itself). */
    drop() { socket?.close(); },
    get connected() { return socket?.readyState === WebSocket.OPEN; },
  };
}
