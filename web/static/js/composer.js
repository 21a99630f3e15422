// The text box: Enter sends, Shift+Enter breaks the line; a pending bubble until the server answers.
import { api, showError } from "./api.js";
import { uuid4 } from "./dom.js";
import { createEmojiPicker } from "./emoji.js";

export function createComposer({ me, conversation }) {
  const input = document.getElementById("composer-input");
  const sendButton = document.getElementById("send-btn");

  function grow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  async function post(chatId, message) {
    try {
      const saved = await api(`/api/v1/chats/${chatId}/messages`, {
        method: "POST", body: { body: message.body, client_id: message.client_id },
      });
      conversation.receive([saved]);
    } catch (error) {
      conversation.failPending(message.client_id);
      showError(error);
    }
  }

  function send() {
    const chat = conversation.chat;
    const body = input.value;
    if (!chat || !body.trim()) return;
    const message = {
      id: null, chat_id: chat.id, client_id: uuid4(), direction: "out", author_kind: "user",
      author: { id: me.id, name: me.name }, kind: "text", body, media: null, status: "queued",
      sent_at: new Date().toISOString(), registered_at: new Date().toISOString(), late: false,
    };
    input.value = "";
    grow();
    conversation.addPending(message);
    post(chat.id, message);
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  input.addEventListener("input", grow);
  sendButton.addEventListener("click", () => { send(); input.focus(); });

  createEmojiPicker({
    button: document.getElementById("emoji-btn"),
    panel: document.getElementById("emoji-panel"),
    onPick(emoji) {
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? start;
      input.setRangeText(emoji, start, end, "end");
      input.focus();
      grow();
    },
  });

  // What was typed in each chat and not sent yet, while staff move between chats.
  const drafts = new Map();
  let draftOf = null;

  return {
    focus() { input.focus(); },
    switchTo(chatId) {
      if (chatId === draftOf) return;
      if (draftOf != null) drafts.set(draftOf, input.value);
      draftOf = chatId;
      input.value = drafts.get(chatId) || "";
      drafts.delete(chatId);
      grow();
    },
    clear() { input.value = ""; grow(); },
    /** The same client_id again: the server answers the first message, nothing is sent twice. */
    retry(message) {
      conversation.addPending({ ...message, status: "queued" });
      post(message.chat_id, message);
    },
  };
}
