/*
 * Rights Companion chat widget: plain JavaScript, no build step, no third-party requests.
 *
 * Embed with one tag (served by the chat server next to this file's API):
 *   <script src="https://chat.example.org/webhooks/website/widget.js" defer
 *           data-partner="Example GP Practice" data-accent="#1d4f91" data-audience="survivor"
 *           data-exit-url="https://www.bbc.co.uk/weather" data-lang="en"></script>
 *
 * data-partner     name shown in the panel ("Offered here by ...")
 * data-accent      accent colour (#rgb or #rrggbb); darkened if needed so white text on it stays readable
 * data-audience    "survivor" (default: the assistant greets and asks who you are) or "therapist"
 * data-exit-url    where quick exit goes (default https://www.bbc.co.uk/weather)
 * data-lang        interface language (en)
 * data-privacy-url the privacy page (default: the chat server's own /privacy)
 * data-persist     "session" keeps the chat in this tab's sessionStorage while moving between the site's pages;
 *                  without it nothing is stored in the browser at all (no cookies, no localStorage).
 *
 * Everything is drawn inside a Shadow DOM, so the host page's CSS cannot change it, and all text (the
 * person's and the assistant's) is inserted as text, never as HTML.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.src || document.querySelector("rights-companion-chat")) {
    return;
  }

  const DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";
  const DEFAULT_ACCENT = "#5a2d82";
  const STORAGE_KEY = "rights-companion-chat";
  const SHIFT_PRESSES = 3;
  const SHIFT_WINDOW_MS = 5000;
  const COUNTER_FROM = 200; // show "n characters left" when this close to the limit

  const STRINGS = {
    en: {
      launcher: { survivor: "Ask about your rights", therapist: "Ask about records requests" },
      title: "Rights Companion",
      subtitle: "Automated assistant, not a person",
      partner: "Offered here by {partner}",
      exit: "Exit",
      exitLabel: "Exit now: clear this chat and leave this website",
      clear: "Clear",
      clearLabel: "Clear conversation",
      close: "Close chat",
      hint:
        "Need to leave quickly? Press Exit, or press the Shift key 3 times. The chat is cleared and the Back " +
        "button will not bring it back.",
      hintDismiss: "Got it",
      log: "Conversation",
      you: "You said: ",
      bot: "Rights Companion said: ",
      inputLabel: "Your message",
      placeholder: "Type your question",
      send: "Send",
      typing: "Rights Companion is typing",
      suggestions: "Suggested replies",
      newTab: " (opens in a new tab)",
      privacyMemory: "Nothing is saved on this device.",
      privacySession: "This chat is kept in this browser tab until you close it.",
      privacyLink: "How we handle your messages",
      cleared: "Conversation cleared.",
      // Shown when the chat server can't be reached, so it can't come from the server: the same helplines as the
      // server's refusals (data/wording/unavailable.yml), word for word; tests/test_crisis_routes.py checks them.
      offline:
        "Sorry, I can't connect right now. Please try again in a moment.\n\n" +
        "If you're in danger or need someone to talk to now:\n" +
        "\u2022 Emergency services: call 999\n" +
        "\u2022 Samaritans: call 116 123, any time\n" +
        "\u2022 Rape Crisis 24/7 support line: call 0808 500 2222, any time " +
        "(16 and over, England and Wales; under 16: Childline 0800 1111)",
      charsLeft: "{n} characters left",
    },
  };

  // ---- configuration from the script tag ----------------------------------------------------------------

  const data = script.dataset;
  const apiBase = new URL(".", script.src).href;

  const httpUrl = (value, fallback) => {
    try {
      const url = new URL(value, document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : fallback;
    } catch (error) {
      return fallback;
    }
  };

  const luminance = (hex) => {
    const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };

  /** The accent colour, darkened until white text on it has a contrast ratio of at least 4.5:1. */
  const readableAccent = (value) => {
    let hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value || "") ? value.toLowerCase() : DEFAULT_ACCENT;
    if (hex.length === 4) {
      hex = "#" + [...hex.slice(1)].map((c) => c + c).join("");
    }
    while (1.05 / (luminance(hex) + 0.05) < 4.5) {
      hex =
        "#" +
        [1, 3, 5]
          .map((i) => Math.floor(parseInt(hex.slice(i, i + 2), 16) * 0.9).toString(16).padStart(2, "0"))
          .join("");
    }
    return hex;
  };

  const config = {
    partner: (data.partner || "").trim().slice(0, 80),
    accent: readableAccent(data.accent),
    audience: data.audience === "therapist" ? "therapist" : "survivor",
    exitUrl: httpUrl(data.exitUrl || DEFAULT_EXIT_URL, DEFAULT_EXIT_URL),
    privacyUrl: httpUrl(data.privacyUrl || apiBase + "privacy", apiBase + "privacy"),
    lang: Object.prototype.hasOwnProperty.call(STRINGS, data.lang || "") ? data.lang : "en",
    persist: data.persist === "session",
  };
  const text = STRINGS[config.lang];

  // ---- state: in memory only (sessionStorage only when the site opted in) ----------------------------

  const state = {
    token: null,
    maxLength: 1000,
    messages: [], // {from: "user" | "bot" | "note", text, links, buttons}
    busy: false,
    openedOnce: false,
    shiftPresses: [],
  };

  const storage = () => {
    try {
      return config.persist ? window.sessionStorage : null;
    } catch (error) {
      return null;
    }
  };

  const save = () => {
    const store = storage();
    if (store) {
      const snapshot = { token: state.token, maxLength: state.maxLength, messages: state.messages };
      store.setItem(STORAGE_KEY, JSON.stringify(snapshot));
    }
  };

  const restore = () => {
    const store = storage();
    try {
      const saved = store && JSON.parse(store.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.messages)) {
        state.token = typeof saved.token === "string" ? saved.token : null;
        state.maxLength = Number(saved.maxLength) || state.maxLength;
        state.messages = saved.messages.filter((m) => m && typeof m.text === "string");
      }
    } catch (error) {
      store.removeItem(STORAGE_KEY);
    }
  };

  // ---- building the interface (text only, never HTML) ----------------------------------------------------

  const el = (tag, className, content) => {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  };

  const icon = () => {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16v11H8l-4 4z");
    svg.appendChild(path);
    return svg;
  };

  const host = document.createElement("rights-companion-chat");
  const shadow = host.attachShadow({ mode: "open" });
  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = apiBase + "widget.css";

  const root = el("div", "rc");
  root.hidden = true; // until the stylesheet has loaded
  root.lang = config.lang;
  root.style.setProperty("--rc-accent", config.accent);

  const launcher = el("button", "rc-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "rc-panel");
  launcher.append(icon(), el("span", "", text.launcher[config.audience]));

  const panel = el("section", "rc-panel");
  panel.id = "rc-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "rc-title");

  const header = el("div", "rc-header");
  const titles = el("div", "rc-titles");
  const title = el("h2", "rc-title", text.title);
  title.id = "rc-title";
  titles.append(title, el("p", "rc-subtitle", text.subtitle));
  if (config.partner) {
    titles.append(el("p", "rc-subtitle", text.partner.replace("{partner}", config.partner)));
  }
  const actions = el("div", "rc-actions");
  const exitButton = el("button", "rc-exit", text.exit);
  exitButton.type = "button";
  exitButton.setAttribute("aria-label", text.exitLabel);
  const clearButton = el("button", "rc-clear", text.clear);
  clearButton.type = "button";
  clearButton.setAttribute("aria-label", text.clearLabel);
  const closeButton = el("button", "rc-close", "\u00d7");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", text.close);
  actions.append(exitButton, clearButton, closeButton);
  header.append(actions, titles);

  const hint = el("div", "rc-hint");
  hint.id = "rc-hint";
  hint.hidden = true;
  const hintDismiss = el("button", "rc-hint-dismiss", text.hintDismiss);
  hintDismiss.type = "button";
  hint.append(el("p", "", text.hint), hintDismiss);

  // The hint and the messages scroll together; the header (with Exit) and the message box stay in view.
  const scroller = el("div", "rc-body");
  scroller.setAttribute("role", "region");
  scroller.setAttribute("aria-label", text.log);
  scroller.tabIndex = 0;
  const log = el("div", "rc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  scroller.append(hint, log);

  const typing = el("div", "rc-typing");
  typing.setAttribute("role", "status");

  const form = el("form", "rc-form");
  const inputLabel = el("label", "rc-sr", text.inputLabel);
  inputLabel.htmlFor = "rc-input";
  const input = el("textarea", "rc-input");
  input.id = "rc-input";
  input.rows = 1;
  input.placeholder = text.placeholder;
  input.maxLength = state.maxLength;
  input.setAttribute("aria-describedby", "rc-count");
  input.setAttribute("autocomplete", "off");
  const sendButton = el("button", "rc-send", text.send);
  sendButton.type = "submit";
  const counter = el("p", "rc-count");
  counter.id = "rc-count";
  form.append(inputLabel, input, sendButton, counter);

  const privacy = el("p", "rc-privacy", (config.persist ? text.privacySession : text.privacyMemory) + " ");
  const privacyLink = el("a", "", text.privacyLink);
  privacyLink.href = config.privacyUrl;
  privacyLink.target = "_blank";
  privacyLink.rel = "noopener noreferrer";
  privacyLink.append(el("span", "rc-sr", text.newTab));
  privacy.append(privacyLink);

  panel.append(header, scroller, typing, form, privacy);
  root.append(panel, launcher);
  shadow.append(stylesheet, root);

  // ---- messages ---------------------------------------------------------------------------------------

  /** Appends `value` to `parent`, turning the listed http(s) addresses into links built as elements. */
  const appendWithLinks = (parent, value, links) => {
    const urls = (links || []).filter((url) => typeof url === "string" && httpUrl(url, null) !== null);
    let position = 0;
    while (position < value.length) {
      let next = -1;
      let found = "";
      for (const url of urls) {
        const at = value.indexOf(url, position);
        if (at !== -1 && (next === -1 || at < next || (at === next && url.length > found.length))) {
          next = at;
          found = url;
        }
      }
      if (next === -1) {
        parent.append(value.slice(position));
        return;
      }
      parent.append(value.slice(position, next));
      const link = el("a", "", found);
      link.href = found;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.append(el("span", "rc-sr", text.newTab));
      parent.append(link);
      position = next + found.length;
    }
  };

  const renderMessage = (message, withButtons) => {
    const item = el("div", "rc-msg rc-msg-" + message.from);
    if (message.from !== "note") {
      item.append(el("span", "rc-sr", message.from === "user" ? text.you : text.bot));
    }
    if (message.text) {
      const body = el("p", "rc-text");
      appendWithLinks(body, message.text, message.from === "bot" ? message.links : []);
      item.append(body);
    }
    if (withButtons && message.buttons && message.buttons.length) {
      const group = el("div", "rc-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", text.suggestions);
      for (const button of message.buttons) {
        const reply = el("button", "rc-reply", button.title);
        reply.type = "button";
        reply.addEventListener("click", () => {
          input.focus();
          send(button.payload, button.title);
        });
        group.append(reply);
      }
      item.append(group);
    }
    log.append(item);
    return item;
  };

  /** Scrolls so that `item` is at the top of the conversation, or as far as it goes. */
  const reveal = (item) => {
    scroller.scrollTop = item ? item.offsetTop - 8 : 0;
  };

  /** Only the replies after the person's latest message keep their quick-reply buttons. */
  const renderAll = () => {
    log.replaceChildren();
    let lastUser = -1;
    state.messages.forEach((m, i) => {
      if (m.from === "user") {
        lastUser = i;
      }
    });
    state.messages.forEach((m, i) => renderMessage(m, i > lastUser));
    reveal(log.lastElementChild);
  };

  /** Shows new messages; returns the first one's element. */
  const addMessages = (messages) => {
    const items = messages.map((message) => {
      state.messages.push(message);
      return renderMessage(message, true);
    });
    save();
    return items[0];
  };

  const removeReplyButtons = () => {
    for (const group of log.querySelectorAll(".rc-replies")) {
      group.remove();
    }
  };

  const botMessages = (list) =>
    (Array.isArray(list) ? list : [])
      .filter((m) => m && typeof m.text === "string")
      .map((m) => ({
        from: "bot",
        text: m.text,
        links: Array.isArray(m.links) ? m.links : [],
        buttons: (Array.isArray(m.buttons) ? m.buttons : []).filter(
          (b) => b && typeof b.title === "string" && typeof b.payload === "string",
        ),
      }));

  const note = (message) => reveal(addMessages([{ from: "note", text: message }]));

  const setBusy = (busy) => {
    state.busy = busy;
    typing.replaceChildren();
    if (busy) {
      const dots = el("span", "rc-dots");
      dots.setAttribute("aria-hidden", "true");
      dots.append(el("span"), el("span"), el("span"));
      typing.append(dots, el("span", "rc-typing-text", text.typing));
    }
    sendButton.setAttribute("aria-disabled", busy ? "true" : "false");
  };

  const updateCounter = () => {
    const left = state.maxLength - input.value.length;
    counter.textContent = left <= COUNTER_FROM ? text.charsLeft.replace("{n}", String(left)) : "";
  };

  // ---- talking to the chat server -------------------------------------------------------------------

  const call = async (path, body, token, keepalive) => {
    const headers = { "Content-Type": "application/json" };
    if (token) {
      headers.Authorization = "Bearer " + token;
    }
    const response = await fetch(apiBase + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      keepalive: Boolean(keepalive),
      headers,
      body: JSON.stringify(body),
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch (error) {
      payload = {};
    }
    return { status: response.status, data: payload };
  };

  const accept = (result) => {
    state.token = result.data.token;
    state.maxLength = Number(result.data.max_message_length) || state.maxLength;
    input.maxLength = state.maxLength;
    addMessages(botMessages(result.data.messages));
  };

  const startSession = async () => {
    const result = await call("session", { audience: config.audience });
    if (result.status === 201 && typeof result.data.token === "string") {
      accept(result);
      return true;
    }
    note(result.data.message || text.offline);
    return false;
  };

  /** Ends the conversation on the server; with keepalive it completes even while the page unloads. */
  const endSession = (token, keepalive) => call("end", {}, token, keepalive).catch(() => undefined);

  const send = async (message, shown) => {
    const value = message.trim();
    if (state.busy || !value) {
      return;
    }
    removeReplyButtons();
    const asked = addMessages([{ from: "user", text: shown || value }]);
    reveal(asked);
    setBusy(true);
    try {
      if (!state.token && !(await startSession())) {
        return;
      }
      const result = await call("message", { message: value }, state.token);
      if (result.status === 200 && typeof result.data.token === "string") {
        accept(result);
        reveal(asked); // the question and the start of the answer, rather than the end of a long answer
        return;
      }
      note(result.data.message || text.offline);
      if (result.status === 401) {
        state.token = null; // the chat ended or expired on the server: start a fresh one
        await startSession();
      }
      if ((result.status === 401 || result.status === 422) && !shown) {
        input.value = value;
        updateCounter();
      }
    } catch (error) {
      note(text.offline);
    } finally {
      setBusy(false);
      save();
    }
  };

  // ---- open, close, clear, exit ---------------------------------------------------------------------

  const open = async () => {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!state.openedOnce) {
      state.openedOnce = true; // "first time" = first open in this page load: nothing is stored to know more
      hint.hidden = false;
      panel.setAttribute("aria-describedby", "rc-hint");
    }
    input.focus();
    if (!state.token && state.messages.length === 0 && !state.busy) {
      setBusy(true);
      try {
        await startSession();
        reveal(null); // the quick-exit hint and the greeting from the top
      } catch (error) {
        note(text.offline);
      } finally {
        setBusy(false);
      }
    }
  };

  const close = () => {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  };

  /** Forgets everything this widget holds: messages, token and (if used) its sessionStorage entry. */
  const wipe = () => {
    const token = state.token;
    state.token = null;
    state.messages = [];
    log.replaceChildren();
    input.value = "";
    updateCounter();
    const store = storage();
    if (store) {
      store.removeItem(STORAGE_KEY);
    }
    return token;
  };

  const quickExit = () => {
    const cover = el("div", "rc-cover"); // hides the page at once while the browser leaves
    shadow.append(cover);
    root.hidden = true;
    const token = wipe();
    if (token) {
      endSession(token, true);
    }
    window.location.replace(config.exitUrl);
  };

  const clearConversation = async () => {
    const token = wipe();
    input.focus();
    if (token) {
      await endSession(token, false);
    }
    note(text.cleared);
    setBusy(true);
    try {
      await startSession();
      reveal(null);
    } catch (error) {
      note(text.offline);
    } finally {
      setBusy(false);
    }
  };

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeButton.addEventListener("click", close);
  exitButton.addEventListener("click", quickExit);
  clearButton.addEventListener("click", clearConversation);
  hintDismiss.addEventListener("click", () => {
    hint.hidden = true;
    panel.removeAttribute("aria-describedby");
    input.focus();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value;
    if (!state.busy && value.trim()) {
      input.value = "";
      updateCounter();
      send(value);
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", updateCounter);

  // Quick exit by keyboard: Shift pressed 3 times within 5 seconds with no other key in between
  // (the GOV.UK "Exit this page" pattern). Active once the chat has been opened in this page load.
  window.addEventListener(
    "keydown",
    (event) => {
      if (!state.openedOnce) {
        return;
      }
      if (event.key !== "Shift") {
        state.shiftPresses = [];
        return;
      }
      if (event.repeat) {
        return;
      }
      const now = Date.now();
      state.shiftPresses = state.shiftPresses.filter((at) => now - at < SHIFT_WINDOW_MS).concat(now);
      if (state.shiftPresses.length >= SHIFT_PRESSES) {
        state.shiftPresses = [];
        quickExit();
      }
    },
    true,
  );

  const show = () => {
    root.hidden = false;
  };
  stylesheet.addEventListener("load", show);
  stylesheet.addEventListener("error", show);

  restore();
  input.maxLength = state.maxLength;
  if (state.messages.length) {
    state.openedOnce = true;
    renderAll();
  }
  const attach = () => document.body.append(host);
  if (document.body) {
    attach();
  } else {
    document.addEventListener("DOMContentLoaded", attach);
  }
})();
