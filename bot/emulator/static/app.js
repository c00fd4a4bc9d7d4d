/*
 * Pingan sandbox — a Telegram-like web chat on top of the local Bot API emulator.
 * Plain JS, no build step, no external resources. Talks only to the emulator's
 * control API (/control/...), see docs/emulator.md.
 *
 * Stable test hooks (data-testid):
 *   lang-zh, lang-en            UI language buttons
 *   personas                    persona switcher group
 *   persona-<key>               one persona button (aria-pressed="true" when chosen)
 *   persona-unread-<key>        unread total badge on a persona button (when > 0)
 *   chat-list                   the persona's chat list (<ul>)
 *   chat-<chat_id>              one chat item button (aria-current="true" when open)
 *   unread-<chat_id>            unread badge inside a chat item (only when > 0)
 *   chat-title                  title of the open chat
 *   back-button                 back to the chat list (phone layout)
 *   pinned-bar                  pinned message bar at the top of the chat
 *   messages                    the message log of the open chat
 *   msg-<message_id>            one message (bubble + its inline keyboard); has
 *                               data-out="true|false" and data-from-bot="true|false"
 *   btn                         an inline keyboard button inside a msg-<id>
 *   reply-keyboard              the bot's reply keyboard above the composer
 *   kbd-btn                     a reply keyboard button
 *   keyboard-toggle             show / hide the reply keyboard
 *   composer-input              message input (Enter sends, Shift+Enter = new line)
 *   composer-send               send button
 *   attach-photo / photo-input  photo button / its hidden <input type=file>
 *   share-location              share the persona's demo location
 *   share-contact               share the persona's demo phone number
 *   toasts / toast              toast container / one toast (callback answers, info)
 *   alert-dialog                modal for callback answers with show_alert
 *   error-banner                polite error banner (control API errors, offline)
 *   demo-clock                  the sandbox's demo clock bar (only when the world has one)
 *   demo-clock-now              the demo time shown on it
 *   demo-clock-<key>            one of its buttons (+1 hour, +1 day, …)
 */
(() => {
  "use strict";

  // ------------------------------------------------------------------ i18n

  const I18N = {
    zh: {
      sandbox: "沙盒",
      intro: "您现在是离线的：这是一个模拟的 Telegram，不会发出任何真实消息。请先选择您的身份，再打开一个聊天，与“平安”机器人对话。",
      iam: "我是：",
      chats: "聊天",
      noChats: "这个身份还没有聊天。",
      pickChat: "选择一个聊天开始吧。",
      emptyPrivate: "还没有消息。输入 /start 并发送，开始与机器人对话。",
      emptyGroup: "这里还没有消息。",
      pinned: "置顶消息",
      noMessages: "还没有消息",
      messageLabel: "消息",
      placeholder: "输入消息…",
      send: "发送",
      sendPhoto: "发送照片",
      photoShort: "照片",
      locationShort: "位置",
      contactShort: "手机号",
      actions: "发送其他内容",
      shareLocation: "发送我的位置（演示）",
      shareContact: "分享我的手机号（演示）",
      toggleKeyboard: "显示或隐藏机器人键盘",
      back: "返回聊天列表",
      dismiss: "关闭",
      ok: "好的",
      skip: "跳到输入框",
      edited: "已编辑",
      bot: "机器人",
      members: "{n} 位成员",
      group: "群组",
      channel: "频道",
      privateChat: "私聊",
      photo: "照片",
      location: "位置",
      contact: "联系人",
      document: "文件",
      sticker: "贴纸",
      voice: "语音",
      video: "视频",
      audio: "音频",
      poll: "投票",
      you: "我",
      today: "今天",
      demoClock: "演示时钟：",
      demoClockMoving: "时间前进中…",
      yesterday: "昨天",
      errOffline: "无法连接沙盒服务器。请确认 “pingan sandbox” 仍在运行，页面会自动重试。",
      errServer: "沙盒服务器暂时出了点问题（{status}），请稍后再试。",
      errFailed: "没有成功：{msg}",
      errUnknown: "出了点小问题，请再试一次。",
      noPersonas: "沙盒里还没有可选的身份。请用 “pingan sandbox” 启动。",
      noAnswer: "机器人没有回应这个按钮。",
      unsupported: "沙盒里暂不支持这种按钮。",
      notImage: "请选择一张图片。",
      tooBig: "图片太大了（最大 10 MB）。",
      sharedContact: "已分享演示手机号 {phone}",
      sharedLocation: "已发送演示位置",
      copied: "已复制到剪贴板",
      noPrivateChat: "这个身份没有与机器人的私聊。",
      reconnected: "已重新连接到沙盒。",
      typing: "正在输入…",
      uploading: "正在发送照片…",
      svcPinned: "{name} 置顶了：{text}",
      svcJoined: "{name} 加入了群组",
      svcLeft: "{name} 离开了群组",
      svcTitle: "群名已改为“{title}”",
      svcCreated: "群组已创建",
      svcOther: "系统消息",
      demoLocationTitle: "演示位置",
      openMap: "在地图中打开",
      sharedPhone: "手机号",
      startPayload: "通过链接打开：/start {payload}",
    },
    en: {
      sandbox: "Sandbox",
      intro: "You are offline: this is a simulated Telegram and nothing leaves this computer. Pick who you are, open a chat and talk to the Pingan bot.",
      iam: "I am:",
      chats: "Chats",
      noChats: "No chats for this person yet.",
      pickChat: "Pick a chat to start.",
      emptyPrivate: "No messages yet. Type /start and send it to talk to the bot.",
      emptyGroup: "No messages here yet.",
      pinned: "Pinned message",
      noMessages: "No messages yet",
      messageLabel: "Message",
      placeholder: "Write a message…",
      send: "Send",
      sendPhoto: "Send a photo",
      photoShort: "Photo",
      locationShort: "Location",
      contactShort: "Phone number",
      actions: "Send something else",
      shareLocation: "Send my location (demo)",
      shareContact: "Share my phone number (demo)",
      toggleKeyboard: "Show or hide the bot keyboard",
      back: "Back to chats",
      dismiss: "Dismiss",
      ok: "OK",
      skip: "Skip to message box",
      edited: "edited",
      bot: "bot",
      members: "{n} members",
      group: "group",
      channel: "channel",
      privateChat: "private chat",
      photo: "Photo",
      location: "Location",
      contact: "Contact",
      document: "File",
      sticker: "Sticker",
      voice: "Voice message",
      video: "Video",
      audio: "Audio",
      poll: "Poll",
      you: "You",
      today: "Today",
      demoClock: "Demo clock:",
      demoClockMoving: "Moving the clock…",
      yesterday: "Yesterday",
      errOffline: "Cannot reach the sandbox server. Is “pingan sandbox” still running? The page will keep retrying.",
      errServer: "The sandbox server had a problem ({status}). Please try again.",
      errFailed: "That did not work: {msg}",
      errUnknown: "Something went wrong. Please try again.",
      noPersonas: "The sandbox has no people to choose from yet. Start it with “pingan sandbox”.",
      noAnswer: "The bot did not respond to this button.",
      unsupported: "This kind of button is not available in the sandbox.",
      notImage: "Please choose an image.",
      tooBig: "That picture is too large (10 MB at most).",
      sharedContact: "Shared the demo phone number {phone}",
      sharedLocation: "Sent the demo location",
      copied: "Copied to the clipboard",
      noPrivateChat: "This person has no private chat with the bot.",
      reconnected: "Connected to the sandbox again.",
      typing: "typing…",
      uploading: "Sending the photo…",
      svcPinned: "{name} pinned: {text}",
      svcJoined: "{name} joined the group",
      svcLeft: "{name} left the group",
      svcTitle: "Group renamed to “{title}”",
      svcCreated: "Group created",
      svcOther: "Service message",
      demoLocationTitle: "Demo location",
      openMap: "Open in a map",
      sharedPhone: "Phone",
      startPayload: "Opened from a link: /start {payload}",
    },
  };

  function t(key, vars) {
    const table = I18N[state.lang] || I18N.en;
    let s = table[key] != null ? table[key] : (I18N.en[key] != null ? I18N.en[key] : key);
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] != null ? String(vars[k]) : m));
    return s;
  }

  /** Pick the current-language text out of {zh, en} objects (or plain strings). */
  function L(v) {
    if (v == null) return "";
    if (typeof v === "string") return v;
    if (typeof v === "object") {
      return v[state.lang] || v.en || v.zh || Object.values(v).find((x) => typeof x === "string") || "";
    }
    return String(v);
  }

  // ----------------------------------------------------------------- state

  const store = {
    get(k, d) { try { const v = localStorage.getItem("pingan-sandbox:" + k); return v == null ? d : JSON.parse(v); } catch (_) { return d; } },
    set(k, v) { try { localStorage.setItem("pingan-sandbox:" + k, JSON.stringify(v)); } catch (_) { /* private mode */ } },
  };

  function initialLang() {
    const saved = store.get("lang", null);
    if (saved === "zh" || saved === "en") return saved;
    const nav = (navigator.languages && navigator.languages[0]) || navigator.language || "zh";
    return /^en/i.test(nav) ? "en" : "zh";
  }

  const state = {
    lang: initialLang(),
    world: null,
    bot: null,
    users: new Map(),       // id -> User
    chats: new Map(),       // id -> Chat
    personas: [],
    persona: null,          // current persona object
    chatId: null,           // open chat id (null = list view)
    msgs: new Map(),        // chat id -> array of messages (current state, deleted included)
    unread: new Map(),      // "personaKey|chatId" -> count
    openChats: store.get("openChats", {}), // personaKey -> chatId
    kbHidden: new Map(),    // "personaKey|chatId" -> message_id whose keyboard the user hid
    nodeCache: new Map(),   // message_id -> {sig, node} for the open chat
    seq: 0,
    offline: false,
    pending: new Map(),     // callback_query_id -> {btn, done}
    fetching: new Map(),    // chat id -> {running, again}
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const c of children) {
      if (c == null || c === false) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function svg(viewBox, inner, cls) {
    const s = document.createElementNS(SVG_NS, "svg");
    s.setAttribute("viewBox", viewBox);
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    if (cls) s.setAttribute("class", cls);
    s.innerHTML = inner; // static markup only, never data
    return s;
  }
  const ICONS = {
    shield: () => svg("0 0 32 32", '<path d="M16 5l9 4v6c0 6-4 10-9 12-5-2-9-6-9-12V9z" fill="#fff"/><path d="M12 16l3 3 5-6" fill="none" stroke="#1f6feb" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>'),
    group: () => svg("0 0 24 24", '<circle cx="9" cy="8" r="3.5" fill="#fff"/><path d="M2 20c0-4 3-6.5 7-6.5s7 2.5 7 6.5z" fill="#fff"/><circle cx="17" cy="9" r="2.8" fill="#fff" opacity=".8"/><path d="M15.5 13.6c3.5-.3 6.5 1.8 6.5 6.4h-4.5c0-2.7-.8-4.9-2-6.4z" fill="#fff" opacity=".8"/>'),
    pin: () => svg("0 0 24 24", '<path d="M12 22s7-6.5 7-12a7 7 0 10-14 0c0 5.5 7 12 7 12z" fill="currentColor"/><circle cx="12" cy="10" r="2.6" fill="#fff"/>'),
    phone: () => svg("0 0 24 24", '<path d="M5 3h4l2 5-2.5 1.5a11 11 0 006 6L16 13l5 2v4a2 2 0 01-2 2A16 16 0 013 5a2 2 0 012-2z" fill="currentColor"/>'),
    file: () => svg("0 0 24 24", '<path d="M6 2h8l5 5v15H6z" fill="currentColor"/><path d="M14 2v5h5" fill="#fff" opacity=".6"/>'),
    ext: () => svg("0 0 24 24", '<path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>', "ext"),
  };

  // ------------------------------------------------------------- control API

  class ApiError extends Error {
    constructor(message, opts) { super(message); this.offline = !!(opts && opts.offline); }
  }

  /** Turn whatever the server said into one short, human sentence (never a traceback). */
  function politeDescription(desc) {
    if (desc == null) return t("errUnknown");
    let s = String(desc).trim();
    if (!s || /Traceback|File "|^\s*at\s/m.test(s)) return t("errUnknown");
    s = s.split("\n")[0].replace(/^(Bad Request|Forbidden|Not Found|Conflict):\s*/i, "");
    if (s.length > 200) s = s.slice(0, 197) + "…";
    return s;
  }

  async function api(path, opts) {
    opts = opts || {};
    const init = { method: opts.method || "GET", cache: "no-store", signal: opts.signal };
    if (opts.json !== undefined) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(opts.json);
    } else if (opts.form) {
      init.body = opts.form;
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      if (e && e.name === "AbortError") throw e;
      throw new ApiError(t("errOffline"), { offline: true });
    }
    let payload = null;
    try { payload = await res.json(); } catch (_) { payload = null; }
    if (payload && payload.ok === true) return payload.result;
    if (payload && payload.ok === false) throw new ApiError(t("errFailed", { msg: politeDescription(payload.description) }));
    if (res.status >= 500 || res.status === 0) throw new ApiError(t("errServer", { status: res.status }));
    throw new ApiError(t("errFailed", { msg: res.status + " " + (res.statusText || "") }));
  }

  // ------------------------------------------------------- banner / toasts

  let bannerKind = null;
  function showBanner(text, kind) {
    bannerKind = kind || "error";
    $("banner-text").textContent = text;
    $("banner").hidden = false;
  }
  function hideBanner(kind) {
    if (kind && bannerKind !== kind) return;
    $("banner").hidden = true;
    bannerKind = null;
  }
  function showError(e) {
    if (e && e.name === "AbortError") return;
    const msg = e instanceof ApiError ? e.message : t("errUnknown");
    if (e && !(e instanceof ApiError)) console.error(e); // details for developers only
    showBanner(msg, e && e.offline ? "offline" : "error");
  }

  function toast(text, opts) {
    if (!text) return;
    const node = el("div", { class: "toast" + (opts && opts.error ? " error" : ""), "data-testid": "toast" }, text);
    const box = $("toasts");
    box.append(node);
    while (box.children.length > 3) box.firstElementChild.remove();
    const ms = Math.min(8000, 2500 + text.length * 60);
    setTimeout(() => node.remove(), ms);
  }

  function alertBox(text) {
    const dlg = $("alert-dialog");
    $("alert-text").textContent = text;
    if (typeof dlg.showModal === "function") {
      if (dlg.open) dlg.close();
      dlg.showModal();
    } else {
      toast(text);
    }
  }

  // ------------------------------------------------------------- the world

  function toMap(collection) {
    const m = new Map();
    if (!collection) return m;
    const items = Array.isArray(collection) ? collection : Object.values(collection);
    for (const it of items) if (it && it.id != null) m.set(Number(it.id), it);
    return m;
  }

  function normalizePersonas(world) {
    let list = Array.isArray(world.personas) ? world.personas : [];
    if (!list.length) {
      // No personas configured: offer every human user with the chats we can see.
      list = [...state.users.values()].filter((u) => !u.is_bot).map((u) => ({
        key: "user" + u.id,
        label: [u.first_name, u.last_name].filter(Boolean).join(" ") || u.username || String(u.id),
        user_id: u.id,
        chats: [...state.chats.values()]
          .filter((c) => (c.type === "private" ? Number(c.id) === Number(u.id)
            : !Array.isArray(c._members || c.members) || (c._members || c.members).some((m) => Number(m && typeof m === "object" ? (m.id ?? m.user_id) : m) === Number(u.id))))
          .map((c) => ({ chat_id: c.id })),
      }));
    }
    return list.map((p, i) => ({
      ...p,
      key: String(p.key != null ? p.key : "p" + i),
      user_id: Number(p.user_id),
      chats: (p.chats || []).map((c) => (typeof c === "object" ? { ...c, chat_id: Number(c.chat_id ?? c.id) } : { chat_id: Number(c) })),
    }));
  }

  async function loadWorld() {
    const world = await api("/control/world");
    state.world = world;
    state.bot = world.bot || null;
    state.users = toMap(world.users);
    state.chats = toMap(world.chats);
    state.personas = normalizePersonas(world);
    if (state.bot && state.bot.id != null) state.users.set(Number(state.bot.id), state.bot);
  }

  function personaLabel(p) {
    const lbl = L(p.label);
    if (lbl) return lbl;
    const u = state.users.get(p.user_id);
    return u ? userName(u) : p.key;
  }

  function userName(u) {
    if (!u) return "";
    return [u.first_name, u.last_name].filter(Boolean).join(" ") || (u.username ? "@" + u.username : String(u.id || ""));
  }

  function chatInfo(chatId) { return state.chats.get(Number(chatId)) || null; }

  function chatType(chatId) {
    const c = chatInfo(chatId);
    if (c && c.type) return c.type;
    return Number(chatId) > 0 ? "private" : "supergroup";
  }

  function isGroup(chatId) { const ty = chatType(chatId); return ty === "group" || ty === "supergroup" || ty === "channel"; }

  function chatTitle(pc) {
    const fromPersona = L(pc.title);
    if (fromPersona) return fromPersona;
    const c = chatInfo(pc.chat_id);
    if (c) {
      if (c.title) return c.title;
      if (c.type === "private" && state.bot) return userName(state.bot);
      return userName(c);
    }
    return String(pc.chat_id);
  }

  function personaChat(chatId) {
    const p = state.persona;
    return p ? p.chats.find((c) => c.chat_id === Number(chatId)) || null : null;
  }

  function privateBotChat(p) {
    if (!p) return null;
    return p.chats.find((c) => chatType(c.chat_id) === "private") ||
           p.chats.find((c) => c.chat_id === p.user_id) || null;
  }

  // ---------------------------------------------------------- avatars, colors

  const PALETTE = ["#c0392b", "#1f6feb", "#2e7d32", "#8e44ad", "#b35c00", "#00796b", "#ad1457", "#3949ab"];
  function colorFor(n) {
    let h = 0;
    const s = String(n);
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return PALETTE[h % PALETTE.length];
  }
  function initialOf(text) {
    const s = String(text || "?").trim();
    const first = Array.from(s)[0] || "?";
    return first.toUpperCase();
  }
  function avatarFor(kind, seed, label, cls) {
    const a = el("div", { class: "avatar" + (cls ? " " + cls : ""), "aria-hidden": "true" });
    if (kind === "bot") { a.style.background = "#1f6feb"; a.append(ICONS.shield()); }
    else if (kind === "group") { a.style.background = colorFor(seed); a.append(ICONS.group()); }
    else { a.style.background = colorFor(seed); a.textContent = initialOf(label); }
    return a;
  }

  // ----------------------------------------------------------- formatting

  // Times are shown in the deployment's zone (the bot's texts use it too), not the browser's.
  function zoneOpts(opts) {
    const zone = state.world && state.world.timezone;
    return zone ? { ...opts, timeZone: zone } : opts;
  }
  function fmtTime(unix) {
    if (!unix) return "";
    const d = new Date(unix * 1000);
    return d.toLocaleTimeString(state.lang === "zh" ? "zh-CN" : "en-GB", zoneOpts({ hour: "2-digit", minute: "2-digit" }));
  }
  function dayKey(unix) {
    return new Date(unix * 1000).toLocaleDateString("en-CA", zoneOpts({ year: "numeric", month: "2-digit", day: "2-digit" }));
  }
  /** Now, in seconds: on the demo clock when the sandbox moved it. */
  function nowSeconds() {
    const demo = state.world && state.world.demo_clock;
    return demo && demo.status && demo.status.now ? Date.parse(demo.status.now) / 1000 : Date.now() / 1000;
  }
  function fmtDay(unix) {
    const d = new Date(unix * 1000);
    const now = nowSeconds();
    if (dayKey(unix) === dayKey(now)) return t("today");
    if (dayKey(unix) === dayKey(now - 86400)) return t("yesterday");
    return d.toLocaleDateString(state.lang === "zh" ? "zh-CN" : "en-GB", zoneOpts({ year: "numeric", month: "long", day: "numeric" }));
  }

  /** One-line summary of a message for previews, quotes and the pinned bar. */
  function summary(m) {
    if (!m) return "";
    if (m.text) return m.text;
    const cap = m.caption ? " " + m.caption : "";
    if (m.photo) return "🖼 " + t("photo") + cap;
    if (m.location) return "📍 " + t("location");
    if (m.venue) return "📍 " + (m.venue.title || t("location"));
    if (m.contact) return "📞 " + t("contact") + ": " + [m.contact.first_name, m.contact.phone_number].filter(Boolean).join(" ");
    if (m.document) return "📎 " + (m.document.file_name || t("document")) + cap;
    if (m.sticker) return (m.sticker.emoji || "") + " " + t("sticker");
    if (m.voice) return "🎤 " + t("voice");
    if (m.video) return "🎬 " + t("video") + cap;
    if (m.audio) return "🎵 " + t("audio");
    if (m.poll) return "📊 " + (m.poll.question || t("poll"));
    const svc = serviceText(m);
    return svc || "";
  }

  function serviceText(m) {
    if (m.new_chat_members && m.new_chat_members.length) return t("svcJoined", { name: m.new_chat_members.map(userName).join(", ") });
    if (m.left_chat_member) return t("svcLeft", { name: userName(m.left_chat_member) });
    if (m.new_chat_title) return t("svcTitle", { title: m.new_chat_title });
    if (m.group_chat_created || m.supergroup_chat_created) return t("svcCreated");
    if (m.pinned_message) return t("svcPinned", { name: userName(m.from), text: clip(summary(m.pinned_message), 60) });
    return null;
  }
  function isService(m) {
    return !!(m.new_chat_members || m.left_chat_member || m.new_chat_title || m.group_chat_created ||
              m.supergroup_chat_created || m.pinned_message || m.delete_chat_photo || m.new_chat_photo ||
              m.migrate_to_chat_id || m.migrate_from_chat_id);
  }
  function clip(s, n) { s = String(s || "").replace(/\s+/g, " "); return s.length > n ? s.slice(0, n - 1) + "…" : s; }

  // ------------------------------------------------------------ rich text

  const SAFE_SCHEMES = /^(https?:|tg:|mailto:|tel:)/i;

  function isFromBot(m) {
    if (m._from_bot != null) return !!m._from_bot;
    return !!(m.from && (m.from.is_bot || (state.bot && m.from.id === state.bot.id)));
  }

  function makeLink(url, label) {
    let href = String(url || "").trim();
    if (!/^[a-z][a-z0-9+.-]*:/i.test(href)) href = "https://" + href;
    if (!SAFE_SCHEMES.test(href)) return el("span", null, label);
    const a = el("a", { href, target: "_blank", rel: "noopener noreferrer" }, label);
    if (parseDeepLink(href)) a.dataset.deeplink = href;
    return a;
  }

  const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}。，、；：！？）]/g;
  const CMD_RE = /(^|\s)(\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]+)?)(?=$|\s)/g;

  /** Text without entities: detect links (and /commands in bot messages) like Telegram clients do. */
  function appendAutolinked(container, text, allowCmd) {
    let last = 0;
    const hits = [];
    for (const m of text.matchAll(URL_RE)) hits.push({ i: m.index, s: m[0], kind: "url" });
    if (allowCmd) for (const m of text.matchAll(CMD_RE)) hits.push({ i: m.index + m[1].length, s: m[2], kind: "cmd" });
    hits.sort((a, b) => a.i - b.i);
    for (const h of hits) {
      if (h.i < last) continue;
      if (h.i > last) container.append(text.slice(last, h.i));
      container.append(h.kind === "url" ? makeLink(h.s, h.s) : cmdButton(h.s));
      last = h.i + h.s.length;
    }
    if (last < text.length) container.append(text.slice(last));
  }

  function cmdButton(cmd) {
    return el("button", { type: "button", class: "cmd", "data-command": cmd }, cmd);
  }

  function entityElement(e, slice) {
    switch (e.type) {
      case "bold": return el("strong");
      case "italic": return el("em");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "spoiler": return el("span", { class: "spoiler", tabindex: "0", role: "button" });
      case "code": return el("code");
      case "pre": {
        const code = el("code", e.language ? { "data-language": e.language } : null);
        const pre = el("pre", null, code);
        return { outer: pre, inner: code };
      }
      case "blockquote":
      case "expandable_blockquote": return el("blockquote");
      case "text_link": return makeLink(e.url, "");
      case "url": return makeLink(slice, "");
      case "email": return el("a", { href: "mailto:" + slice });
      case "phone_number": return el("a", { href: "tel:" + slice.replace(/[^\d+]/g, "") });
      case "mention":
      case "text_mention": return el("span", { class: "mention" });
      case "hashtag":
      case "cashtag": return el("span", { class: "hashtag" });
      case "bot_command": return el("button", { type: "button", class: "cmd", "data-command": slice });
      default: return el("span");
    }
  }

  /** Render text + Telegram entities (UTF-16 offsets, like JS strings) into a fragment. */
  function richText(text, entities, allowCmd) {
    const frag = document.createDocumentFragment();
    text = text || "";
    const ents = (entities || [])
      .filter((e) => e && e.length > 0 && e.offset >= 0 && e.offset < text.length)
      .map((e) => ({ ...e, end: Math.min(text.length, e.offset + e.length), children: [] }))
      .sort((a, b) => a.offset - b.offset || b.end - a.end);
    if (!ents.length) { appendAutolinked(frag, text, allowCmd); return frag; }

    const root = { offset: 0, end: text.length, children: [] };
    const stack = [root];
    for (const e of ents) {
      while (stack.length > 1 && e.offset >= stack[stack.length - 1].end) stack.pop();
      const parent = stack[stack.length - 1];
      e.end = Math.min(e.end, parent.end);
      parent.children.push(e);
      stack.push(e);
    }
    const noLinks = new Set(["code", "pre", "text_link", "url", "email", "phone_number", "bot_command"]);
    const build = (node, container, linkable) => {
      let pos = node.offset;
      for (const c of node.children) {
        const start = Math.max(c.offset, pos);
        if (start >= c.end) continue;
        if (start > pos) appendPlain(container, text.slice(pos, start), linkable);
        const made = entityElement(c, text.slice(start, c.end));
        const outer = made.outer || made;
        const inner = made.inner || made;
        build({ ...c, offset: start }, inner, linkable && !noLinks.has(c.type));
        container.append(outer);
        pos = c.end;
      }
      if (pos < node.end) appendPlain(container, text.slice(pos, node.end), linkable);
    };
    const appendPlain = (container, s, linkable) => {
      if (linkable) appendAutolinked(container, s, false); else container.append(s);
    };
    build(root, frag, true);
    return frag;
  }

  // ---------------------------------------------------------- deep links

  function parseDeepLink(url) {
    const botName = state.bot && state.bot.username;
    if (!botName) return null;
    let u;
    try { u = new URL(url); } catch (_) { return null; }
    let name = null;
    if (u.protocol === "tg:") {
      if (u.hostname !== "resolve" && !/^\/\/resolve/.test(u.pathname)) return null;
      name = u.searchParams.get("domain");
    } else if (/^(www\.)?(t\.me|telegram\.me|telegram\.dog)$/i.test(u.hostname)) {
      name = u.pathname.replace(/^\/+/, "").split("/")[0];
    } else {
      return null;
    }
    if (!name || name.toLowerCase() !== String(botName).toLowerCase()) return null;
    return {
      start: u.searchParams.has("start") ? u.searchParams.get("start") : null,
      startgroup: u.searchParams.has("startgroup"),
    };
  }

  async function openUrl(url) {
    const dl = parseDeepLink(url);
    if (!dl) {
      if (SAFE_SCHEMES.test(url)) window.open(url, "_blank", "noopener");
      else toast(t("unsupported"));
      return;
    }
    if (dl.startgroup) { toast(t("unsupported")); return; }
    const pc = privateBotChat(state.persona);
    if (!pc) { toast(t("noPrivateChat"), { error: true }); return; }
    await openChat(pc.chat_id);
    if (dl.start != null) {
      await sendText(dl.start ? "/start " + dl.start : "/start");
    }
  }

  // ------------------------------------------------------- message nodes

  function messageSignature(m, persona) {
    // Anything that changes how the node looks must be part of the signature.
    return (persona ? persona.key : "") + "|" + state.lang + "|" + JSON.stringify(m);
  }

  function buildMessageNode(m, chatId) {
    const p = state.persona;
    const id = m.message_id;
    if (isService(m)) {
      return el("div", { class: "service", "data-testid": "msg-" + id, "data-message-id": id }, serviceText(m) || t("svcOther"));
    }
    const fromBot = isFromBot(m);
    const out = !fromBot && m.from && p && Number(m.from.id) === p.user_id;
    const group = isGroup(chatId);
    const hasPhoto = Array.isArray(m.photo) && m.photo.length > 0;

    const wrap = el("div", {
      class: "msg " + (out ? "out" : "in") + (hasPhoto ? " has-photo" : ""),
      "data-testid": "msg-" + id,
      "data-message-id": id,
      "data-out": out ? "true" : "false",
      "data-from-bot": fromBot ? "true" : "false",
    });
    const bubble = el("div", { class: "bubble" });

    if (group && !out) {
      const name = m.from ? userName(m.from) : (m.sender_chat && m.sender_chat.title) || "";
      const sender = el("div", { class: "sender" }, name);
      sender.style.color = fromBot ? "var(--accent-dark)" : colorFor(m.from ? m.from.id : name);
      if (fromBot) sender.append(el("span", { class: "bot-tag" }, t("bot")));
      bubble.append(sender);
    }

    if (m.reply_to_message) {
      const r = m.reply_to_message;
      bubble.append(el("button", { type: "button", class: "reply-quote", "data-jump": r.message_id },
        el("span", { class: "reply-quote-name" }, r.from ? userName(r.from) : ""),
        el("span", { class: "reply-quote-text" }, clip(summary(r), 80))));
    }

    if (hasPhoto) {
      const sizes = m.photo.slice().sort((a, b) => (a.width * a.height || a.file_size || 0) - (b.width * b.height || b.file_size || 0));
      const big = sizes[sizes.length - 1];
      const src = "/control/files/" + encodeURIComponent(big.file_id);
      const img = el("img", { class: "photo", src, alt: m.caption ? clip(m.caption, 120) : t("photo"), decoding: "async" });
      img.addEventListener("load", () => { if (stickToBottom && img.isConnected) scrollToBottom(); });
      if (big.width && big.height) { img.width = big.width; img.height = big.height; }
      bubble.append(el("a", { class: "photo-link", href: src, target: "_blank", rel: "noopener" }, img));
    }

    if (m.location || m.venue) {
      const loc = m.location || m.venue.location;
      const lat = Number(loc.latitude).toFixed(5), lon = Number(loc.longitude).toFixed(5);
      const map = "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon;
      bubble.append(el("div", { class: "card" },
        el("div", { class: "card-icon" }, ICONS.pin()),
        el("div", null,
          el("div", { class: "card-title" }, (m.venue && m.venue.title) || t("location")),
          el("div", { class: "card-sub" }, lat + ", " + lon + " · ", el("a", { href: map, target: "_blank", rel: "noopener noreferrer" }, t("openMap"))))));
    }

    if (m.contact) {
      const c = m.contact;
      bubble.append(el("div", { class: "card" },
        el("div", { class: "card-icon" }, ICONS.phone()),
        el("div", null,
          el("div", { class: "card-title" }, [c.first_name, c.last_name].filter(Boolean).join(" ") || t("contact")),
          el("div", { class: "card-sub" }, c.phone_number || ""))));
    }

    const other = m.document || m.audio || m.voice || m.video || m.sticker || m.animation;
    if (other && !hasPhoto) {
      const name = other.file_name || (m.sticker ? (m.sticker.emoji || "") + " " + t("sticker") : summary(m));
      const link = other.file_id ? el("a", { href: "/control/files/" + encodeURIComponent(other.file_id), target: "_blank", rel: "noopener" }, name) : name;
      bubble.append(el("div", { class: "card" }, el("div", { class: "card-icon" }, ICONS.file()), el("div", { class: "card-title" }, link)));
    }

    if (m.poll) {
      bubble.append(el("div", { class: "text" }, el("strong", null, "📊 " + (m.poll.question || "")),
        ...(m.poll.options || []).map((o) => "\n• " + o.text)));
    }

    const body = m.text != null ? m.text : m.caption;
    const ents = m.text != null ? m.entities : m.caption_entities;
    if (body) bubble.append(el("div", { class: "text", dir: "auto" }, richText(body, ents, fromBot)));

    bubble.append(el("div", { class: "meta" },
      m.edit_date ? el("span", { class: "edited" }, t("edited")) : null,
      el("time", { datetime: m.date ? new Date(m.date * 1000).toISOString() : null }, fmtTime(m.date))));

    wrap.append(bubble);

    const ik = m.reply_markup && m.reply_markup.inline_keyboard;
    if (Array.isArray(ik) && ik.length) {
      const kb = el("div", { class: "inline-kb", role: "group" });
      ik.forEach((row, ri) => {
        const r = el("div", { class: "inline-kb-row" });
        (row || []).forEach((b, bi) => {
          const isLink = !!(b.url || b.login_url || b.web_app);
          const dl = b.url ? parseDeepLink(b.url) : null;
          const btn = el("button", {
            type: "button", class: "inline-btn", "data-testid": "btn",
            "data-row": ri, "data-col": bi,
          }, b.text || "");
          if (isLink && !dl) btn.append(ICONS.ext());
          btn.addEventListener("click", () => pressInline(btn, m, chatId, b));
          r.append(btn);
        });
        kb.append(r);
      });
      wrap.append(kb);
    }
    return wrap;
  }

  // ----------------------------------------------------- inline buttons

  async function pressInline(btn, m, chatId, b) {
    const p = state.persona;
    if (!p) return;
    if (b.callback_data != null) {
      if (btn.getAttribute("aria-busy") === "true") return;
      btn.setAttribute("aria-busy", "true");
      try {
        const r = await api("/control/press", {
          method: "POST",
          json: { user_id: p.user_id, chat_id: Number(chatId), message_id: m.message_id, data: b.callback_data },
        });
        const qid = r && (r.callback_query_id || r.id);
        if (qid != null) waitForAnswer(String(qid), btn);
        else btn.removeAttribute("aria-busy");
      } catch (e) {
        btn.removeAttribute("aria-busy");
        showError(e);
      }
      return;
    }
    const url = b.url || (b.login_url && b.login_url.url) || (b.web_app && b.web_app.url);
    if (url) { openUrl(url).catch(showError); return; }
    if (b.copy_text && b.copy_text.text != null) {
      try { await navigator.clipboard.writeText(b.copy_text.text); toast(t("copied")); } catch (_) { toast(b.copy_text.text); }
      return;
    }
    toast(t("unsupported"));
  }

  function presentAnswer(ans) {
    if (!ans) return;
    const text = ans.text;
    if (text) { if (ans.show_alert) alertBox(text); else toast(text); }
    if (ans.url) openUrl(ans.url).catch(showError);
  }

  /** Wait for the bot's answerCallbackQuery: via events (fast path) or by asking (fallback). */
  function waitForAnswer(qid, btn) {
    const entry = { btn, done: false };
    state.pending.set(qid, entry);
    const finish = (ans, timedOut) => {
      if (entry.done) return;
      entry.done = true;
      state.pending.delete(qid);
      btn.removeAttribute("aria-busy");
      if (ans) presentAnswer(ans);
      else if (timedOut && btn.isConnected) toast(t("noAnswer"));
    };
    entry.finish = finish;
    const started = Date.now();
    let delay = 150;
    const tick = async () => {
      if (entry.done) return;
      try {
        const ans = await api("/control/answers/" + encodeURIComponent(qid));
        if (ans) { finish(ans); return; }
      } catch (e) {
        if (e.offline) { finish(null, false); showError(e); return; }
      }
      if (Date.now() - started > 15000) { finish(null, true); return; }
      delay = Math.min(1000, delay * 1.6);
      setTimeout(tick, delay);
    };
    setTimeout(tick, delay);
  }

  // ------------------------------------------------------- reply keyboard

  function currentReplyKeyboard(chatId) {
    const list = state.msgs.get(Number(chatId)) || [];
    const p = state.persona;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      // Telegram only echoes inline keyboards; the emulator keeps the full markup in _reply_markup.
      const rm = m._reply_markup || m.reply_markup;
      if (!isFromBot(m) || !rm) continue;
      if (!rm.keyboard && !rm.remove_keyboard) continue;
      if (rm.selective && isGroup(chatId) && p) {
        const u = state.users.get(p.user_id);
        const repliedToMe = m.reply_to_message && m.reply_to_message.from && Number(m.reply_to_message.from.id) === p.user_id;
        const mentionsMe = u && u.username && (m.text || "").includes("@" + u.username);
        if (!repliedToMe && !mentionsMe) continue;
      }
      if (rm.remove_keyboard) return null;
      return { markup: rm, message: m };
    }
    return null;
  }

  function renderReplyKeyboard() {
    const box = $("reply-kb");
    const toggle = $("kb-toggle");
    const input = $("composer-input");
    box.replaceChildren();
    const kb = state.chatId != null ? currentReplyKeyboard(state.chatId) : null;
    input.placeholder = (kb && kb.markup.input_field_placeholder) || t("placeholder");
    if (!kb) { box.hidden = true; toggle.hidden = true; return; }
    const hideKey = state.persona.key + "|" + state.chatId;
    const hidden = state.kbHidden.get(hideKey) === kb.message.message_id;
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", hidden ? "false" : "true");
    box.hidden = hidden;
    if (hidden) return;
    for (const row of kb.markup.keyboard || []) {
      const r = el("div", { class: "reply-kb-row" });
      for (const raw of row || []) {
        const b = typeof raw === "string" ? { text: raw } : (raw || {});
        const btn = el("button", { type: "button", class: "kbd-btn", "data-testid": "kbd-btn" });
        if (b.request_contact) btn.append(ICONS.phone());
        if (b.request_location) btn.append(ICONS.pin());
        btn.append(b.text || "");
        btn.addEventListener("click", () => pressReplyButton(b, kb));
        r.append(btn);
      }
      box.append(r);
    }
  }

  async function pressReplyButton(b, kb) {
    if (kb.markup.one_time_keyboard) {
      state.kbHidden.set(state.persona.key + "|" + state.chatId, kb.message.message_id);
      renderReplyKeyboard();
    }
    if (b.request_contact) return shareContact();
    if (b.request_location) return shareLocation();
    if (b.request_poll || b.request_users || b.request_user || b.request_chat || b.web_app) { toast(t("unsupported")); return; }
    return sendText(b.text || "");
  }

  // --------------------------------------------------------- sending

  function demoPhone(p) {
    const u = state.users.get(p.user_id) || {};
    const given = p.phone || p.phone_number || u.phone_number;
    if (given) return String(given);
    const digits = String(Math.abs(p.user_id)).padStart(8, "0").slice(-8);
    return "+86138" + digits;
  }
  function demoLocation(p) {
    const loc = p.location || p.demo_location;
    if (loc && loc.latitude != null) return { latitude: Number(loc.latitude), longitude: Number(loc.longitude) };
    // A quiet neighbourhood in Chengdu, slightly different per person.
    const k = (Math.abs(p.user_id) % 97) / 10000;
    return { latitude: +(30.6598 + k).toFixed(6), longitude: +(104.0633 + k).toFixed(6) };
  }

  function upsertMessage(chatId, m) {
    if (!m || m.message_id == null) return;
    chatId = Number(chatId);
    const list = (state.msgs.get(chatId) || []).slice();
    const i = list.findIndex((x) => x.message_id === m.message_id);
    if (i >= 0) list[i] = { ...list[i], ...m }; else list.push(m);
    list.sort((a, b) => a.message_id - b.message_id);
    state.msgs.set(chatId, list);
  }

  async function send(payload) {
    const p = state.persona;
    if (!p || state.chatId == null) return null;
    const chatId = state.chatId;
    const m = await api("/control/send", { method: "POST", json: { user_id: p.user_id, chat_id: chatId, ...payload } });
    if (m && m.message_id != null) {
      upsertMessage(chatId, m);
      if (state.chatId === chatId) renderMessages({ scroll: "bottom" });
      renderChatList();
    }
    return m;
  }

  async function sendText(text) {
    if (!text) return;
    try { await send({ text }); } catch (e) { showError(e); throw e; }
  }

  async function shareContact() {
    const p = state.persona;
    if (!p) return;
    const u = state.users.get(p.user_id) || {};
    const phone = demoPhone(p);
    const contact = { phone_number: phone, first_name: u.first_name || personaLabel(p), user_id: p.user_id };
    if (u.last_name) contact.last_name = u.last_name;
    try { await send({ contact }); } catch (e) { showError(e); }
  }

  async function shareLocation() {
    const p = state.persona;
    if (!p) return;
    try { await send({ location: demoLocation(p) }); } catch (e) { showError(e); }
  }

  async function uploadPhoto(file) {
    const p = state.persona;
    if (!p || state.chatId == null || !file) return;
    if (file.type && !/^image\//.test(file.type)) { toast(t("notImage"), { error: true }); return; }
    if (file.size > 10 * 1024 * 1024) { toast(t("tooBig"), { error: true }); return; }
    const input = $("composer-input");
    const caption = input.value.trim();
    const fd = new FormData();
    fd.append("user_id", String(p.user_id));
    fd.append("chat_id", String(state.chatId));
    fd.append("photo", file, file.name || "photo.jpg");
    if (caption) fd.append("caption", caption);
    const chatId = state.chatId;
    const btn = $("photo-btn");
    btn.setAttribute("aria-busy", "true");
    btn.disabled = true;
    try {
      const m = await api("/control/upload", { method: "POST", form: fd });
      if (caption) { input.value = ""; autosize(); }
      if (m && m.message_id != null) {
        upsertMessage(chatId, m);
        if (state.chatId === chatId) renderMessages({ scroll: "bottom" });
        renderChatList();
      }
    } catch (e) { showError(e); } finally {
      btn.removeAttribute("aria-busy");
      btn.disabled = false;
    }
  }

  async function submitComposer() {
    const input = $("composer-input");
    const text = input.value.replace(/\s+$/, "");
    if (!text.trim() || state.chatId == null) return;
    input.value = "";
    autosize();
    try { await sendText(text); }
    catch (_) { if (!input.value) { input.value = text; autosize(); } }
    if (state.chatId != null) input.focus();
  }

  function autosize() {
    const input = $("composer-input");
    input.style.height = "auto";
    input.style.height = Math.min(160, input.scrollHeight + 2) + "px";
  }

  // ------------------------------------------------------- fetching chats

  /** Re-fetch a chat's messages; concurrent calls are coalesced. */
  async function refreshChat(chatId) {
    chatId = Number(chatId);
    let f = state.fetching.get(chatId);
    if (f && f.running) { f.again = true; return f.promise; }
    f = { running: true, again: false };
    state.fetching.set(chatId, f);
    f.promise = (async () => {
      try {
        do {
          f.again = false;
          let list = [];
          // A private chat with the bot only exists once the person wrote to it (a "chat" event
          // announces it); until then it is simply empty.
          if (state.chats.has(chatId)) {
            list = await api("/control/chats/" + encodeURIComponent(chatId) + "/messages");
          }
          const arr = (Array.isArray(list) ? list : (list && list.messages) || []).slice()
            .sort((a, b) => a.message_id - b.message_id);
          state.msgs.set(chatId, arr);
          if (state.chatId === chatId) renderMessages();
          renderChatList();
        } while (f.again);
        hideBanner("error");
      } finally {
        f.running = false;
      }
    })();
    return f.promise;
  }

  // -------------------------------------------------------- rendering

  function visibleMessages(chatId) {
    return (state.msgs.get(Number(chatId)) || []).filter((m) => !m._deleted);
  }

  function lastPinned(chatId) {
    const list = visibleMessages(chatId);
    let best = null;
    for (const m of list) if (m._pinned && (!best || (m._pinned_at || 0) >= (best._pinned_at || 0))) best = m;
    return best;
  }

  /** The sandbox's demo clock: the demo time and buttons that move it (absent elsewhere). */
  function renderDemoClock() {
    const bar = $("demo-clock");
    const demo = state.world && state.world.demo_clock;
    bar.hidden = !demo;
    if (!demo) return;
    const label = demo.status ? L(demo.status.label) : "";
    const buttons = (demo.actions || []).map((a) => {
      const b = el("button", { type: "button", class: "demo-clock-btn", "data-testid": "demo-clock-" + a.key }, L(a.label));
      b.addEventListener("click", () => moveDemoClock(a.key));
      return b;
    });
    bar.replaceChildren(el("span", { class: "demo-clock-label" }, t("demoClock")),
      el("span", { class: "demo-clock-now", "data-testid": "demo-clock-now" }, label), ...buttons);
  }

  async function moveDemoClock(key) {
    const bar = $("demo-clock");
    for (const b of bar.querySelectorAll("button")) b.disabled = true;
    bar.querySelector(".demo-clock-now").textContent = t("demoClockMoving");
    try {
      const status = await api("/control/demo_clock/" + encodeURIComponent(key), { method: "POST", json: {} });
      if (state.world && state.world.demo_clock) state.world.demo_clock.status = status;
    } catch (e) { showError(e); }
    renderDemoClock();
  }

  function renderPersonas() {
    const box = $("personas");
    box.replaceChildren();
    if (!state.personas.length) {
      box.append(el("span", { class: "empty-note" }, t("noPersonas")));
      return;
    }
    for (const p of state.personas) {
      const label = personaLabel(p);
      const total = p.chats.reduce((n, c) => n + (state.unread.get(p.key + "|" + c.chat_id) || 0), 0);
      const btn = el("button", {
        type: "button", class: "persona-btn", "data-testid": "persona-" + p.key, "data-key": p.key,
        "aria-pressed": state.persona && state.persona.key === p.key ? "true" : "false",
      }, avatarFor("user", p.key, label), el("span", null, label));
      if (total > 0) btn.append(el("span", { class: "persona-badge", "data-testid": "persona-unread-" + p.key, "aria-label": "+" + total }, String(total)));
      btn.addEventListener("click", () => selectPersona(p.key));
      box.append(btn);
    }
  }

  function renderChatList() {
    const ul = $("chat-list");
    const p = state.persona;
    const focusedId = document.activeElement && document.activeElement.closest && document.activeElement.closest(".chat-item")
      ? document.activeElement.closest(".chat-item").dataset.chatId : null;
    ul.replaceChildren();
    $("chat-list-empty").hidden = !!(p && p.chats.length) || !p;
    if (!p) return;
    for (const pc of p.chats) {
      const title = chatTitle(pc);
      const list = visibleMessages(pc.chat_id);
      const last = list[list.length - 1];
      const n = state.unread.get(p.key + "|" + pc.chat_id) || 0;
      const ty = chatType(pc.chat_id);
      let preview = last ? clip(summary(last), 80) : "";
      if (last && isGroup(pc.chat_id) && last.from && !isService(last)) {
        const who = Number(last.from.id) === p.user_id ? t("you") : (last.from.first_name || userName(last.from));
        preview = who + ": " + preview;
      } else if (last && last.from && Number(last.from.id) === p.user_id) {
        preview = t("you") + ": " + preview;
      }
      const btn = el("button", {
        type: "button", class: "chat-item", "data-testid": "chat-" + pc.chat_id, "data-chat-id": pc.chat_id,
        "aria-current": state.chatId === pc.chat_id ? "true" : "false",
      },
      avatarFor(ty === "private" ? "bot" : "group", pc.chat_id, title),
      el("span", { class: "chat-item-text" },
        el("span", { class: "chat-item-top" },
          el("span", { class: "chat-item-title" }, title),
          el("span", { class: "chat-item-time" }, last ? fmtTime(last.date) : "")),
        el("span", { class: "chat-item-bottom" },
          el("span", { class: "chat-item-preview" + (preview ? "" : " empty") }, preview || t("noMessages")),
          n > 0 ? el("span", { class: "unread", "data-testid": "unread-" + pc.chat_id }, n > 99 ? "99+" : String(n)) : null)));
      btn.addEventListener("click", () => openChat(pc.chat_id));
      ul.append(el("li", null, btn));
    }
    if (focusedId != null) {
      const again = ul.querySelector('[data-chat-id="' + CSS.escape(focusedId) + '"]');
      if (again) again.focus();
    }
    updateTitle();
  }

  function updateTitle() {
    let total = 0;
    for (const v of state.unread.values()) total += v;
    document.title = (total ? "(" + total + ") " : "") + "平安 · " + t("sandbox");
  }

  function renderHeader() {
    const chat = $("chat");
    const pc = state.chatId != null ? personaChat(state.chatId) : null;
    chat.dataset.empty = pc ? "false" : "true";
    const av = $("chat-avatar");
    av.replaceChildren();
    if (!pc) { $("chat-title").textContent = ""; $("chat-subtitle").textContent = ""; return; }
    const title = chatTitle(pc);
    const ty = chatType(pc.chat_id);
    const fresh = avatarFor(ty === "private" ? "bot" : "group", pc.chat_id, title);
    av.style.background = fresh.style.background;
    av.append(...fresh.childNodes);
    $("chat-title").textContent = title;
    let sub;
    if (ty === "private") sub = state.bot ? "@" + state.bot.username + " · " + t("bot") : t("privateChat");
    else {
      const c = chatInfo(pc.chat_id);
      const members = c && (c._members || c.members);
      const n = Array.isArray(members) ? members.length : c && c.member_count;
      sub = n ? t("members", { n }) : (ty === "channel" ? t("channel") : t("group"));
    }
    if (actionTimers.has(pc.chat_id)) sub = t("typing");
    $("chat-subtitle").textContent = sub;
  }

  function renderPinned() {
    const bar = $("pinned");
    const m = state.chatId != null ? lastPinned(state.chatId) : null;
    if (!m) { bar.hidden = true; bar.dataset.jump = ""; return; }
    bar.hidden = false;
    bar.dataset.jump = m.message_id;
    $("pinned-body").textContent = clip(summary(m), 120);
  }

  // Follow new messages while the reader is at the bottom; leave them alone when they scrolled up.
  let stickToBottom = true;
  function scrollToBottom() {
    const box = $("messages");
    box.scrollTop = box.scrollHeight;
    stickToBottom = true;
  }

  let placeholderEl = null; // detached from the DOM whenever messages are shown
  function placeholderNode(text) {
    if (!placeholderEl) placeholderEl = $("placeholder");
    placeholderEl.querySelector("p").textContent = text;
    return placeholderEl;
  }

  /** Render the open chat, reusing nodes of unchanged messages (keeps focus & scroll). */
  function renderMessages(opts) {
    opts = opts || {};
    const box = $("messages");
    const chatId = state.chatId;
    renderHeader();
    renderPinned();
    renderReplyKeyboard();
    if (chatId == null) {
      state.nodeCache.clear();
      box.replaceChildren(placeholderNode(t("pickChat")));
      return;
    }
    const list = visibleMessages(chatId);
    if (!list.length) {
      state.nodeCache.clear();
      box.replaceChildren(placeholderNode(isGroup(chatId) ? t("emptyGroup") : t("emptyPrivate")));
      return;
    }

    // Remember focus inside a message so a re-render (e.g. an edit) does not lose it.
    const active = document.activeElement;
    const activeMsg = active && box.contains(active) ? active.closest("[data-message-id]") : null;
    let focusHint = null;
    if (activeMsg) {
      const all = [...activeMsg.querySelectorAll("button, a")];
      focusHint = { id: activeMsg.dataset.messageId, index: all.indexOf(active) };
    }

    const wanted = [];
    const seen = new Set();
    let prevDay = null;
    for (const m of list) {
      if (m.date) {
        const dk = dayKey(m.date);
        if (dk !== prevDay) {
          wanted.push(el("div", { class: "day-sep", role: "separator" }, fmtDay(m.date)));
          prevDay = dk;
        }
      }
      const sig = messageSignature(m, state.persona);
      const cached = state.nodeCache.get(m.message_id);
      let node;
      if (cached && cached.sig === sig) node = cached.node;
      else {
        node = buildMessageNode(m, chatId);
        state.nodeCache.set(m.message_id, { sig, node });
      }
      seen.add(m.message_id);
      wanted.push(node);
    }
    for (const k of [...state.nodeCache.keys()]) if (!seen.has(k)) state.nodeCache.delete(k);

    // Day separators are cheap: reuse the existing ones by text to avoid churn.
    const existingSeps = new Map();
    for (const c of box.children) if (c.classList.contains("day-sep")) existingSeps.set(c.textContent, c);
    for (let i = 0; i < wanted.length; i++) {
      const w = wanted[i];
      if (w.classList.contains("day-sep") && existingSeps.has(w.textContent)) {
        wanted[i] = existingSeps.get(w.textContent);
        existingSeps.delete(w.textContent);
      }
    }

    // Minimal DOM reconciliation: only insert/move/remove what changed.
    let i = 0;
    for (; i < wanted.length; i++) {
      const cur = box.children[i];
      if (cur !== wanted[i]) box.insertBefore(wanted[i], cur || null);
    }
    while (box.children.length > wanted.length) box.lastElementChild.remove();

    if (focusHint) {
      const node = box.querySelector('[data-message-id="' + CSS.escape(focusHint.id) + '"]');
      if (node && !node.contains(document.activeElement)) {
        const all = [...node.querySelectorAll("button, a")];
        const target = all[focusHint.index] || all[0];
        if (target) target.focus({ preventScroll: true });
      }
    }

    if (opts.scroll === "bottom" || stickToBottom) scrollToBottom();
  }

  function jumpTo(messageId) {
    const node = $("messages").querySelector('[data-message-id="' + CSS.escape(String(messageId)) + '"]');
    if (!node) return;
    node.scrollIntoView({ block: "center", behavior: "smooth" });
    node.classList.remove("flash");
    void node.offsetWidth;
    node.classList.add("flash");
  }

  // ---------------------------------------------------------- navigation

  const narrow = window.matchMedia("(max-width: 760px)");

  function setView(view) {
    $("app").dataset.view = view;
    document.body.dataset.view = view;
  }

  async function selectPersona(key) {
    const p = state.personas.find((x) => x.key === key) || state.personas[0] || null;
    state.persona = p;
    state.nodeCache.clear();
    $("messages").replaceChildren();
    if (p) store.set("persona", p.key);
    state.chatId = null;
    renderPersonas();
    renderChatList();
    renderMessages();
    setView("list");
    if (!p) return;
    const saved = state.openChats[p.key];
    const target = p.chats.find((c) => c.chat_id === saved) || (!narrow.matches ? privateBotChat(p) || p.chats[0] : null);
    // Fetch every chat of this persona (few) for previews; open chat first.
    if (target) await openChat(target.chat_id, { focus: false, push: false });
    await Promise.all(p.chats.map((c) => refreshChat(c.chat_id).catch(showError)));
  }

  async function openChat(chatId, opts) {
    opts = opts || {};
    chatId = Number(chatId);
    const p = state.persona;
    if (!p || !personaChat(chatId)) return;
    const changed = state.chatId !== chatId;
    state.chatId = chatId;
    state.unread.delete(p.key + "|" + chatId);
    state.openChats[p.key] = chatId;
    store.set("openChats", state.openChats);
    if (changed) {
      state.nodeCache.clear();
      $("messages").replaceChildren();
    }
    setView("chat");
    if (narrow.matches && opts.push !== false && history.state?.view !== "chat") history.pushState({ view: "chat" }, "");
    renderPersonas();
    renderChatList();
    renderMessages({ scroll: "bottom" });
    if (opts.focus !== false && !narrow.matches) $("composer-input").focus();
    try {
      await refreshChat(chatId);
      if (state.chatId === chatId && changed) scrollToBottom();
    } catch (e) { showError(e); }
  }

  function backToList() {
    const p = state.persona;
    if (p) { delete state.openChats[p.key]; store.set("openChats", state.openChats); }
    state.chatId = null;
    setView("list");
    renderChatList();
    renderMessages();
  }

  // ------------------------------------------------------------ live updates

  function countUnread(ev) {
    const chatId = Number(ev.chat_id);
    const m = ev.message;
    if (m && (m._deleted || isService(m))) return;
    for (const p of state.personas) {
      if (!p.chats.some((c) => c.chat_id === chatId)) continue;
      if (m && m.from && Number(m.from.id) === p.user_id && !isFromBot(m)) continue;
      const viewing = state.persona && state.persona.key === p.key && state.chatId === chatId;
      if (viewing && document.visibilityState === "visible") continue;
      const k = p.key + "|" + chatId;
      state.unread.set(k, (state.unread.get(k) || 0) + 1);
    }
  }

  let worldReload = null;
  function reloadWorldSoon() {
    if (worldReload) return;
    worldReload = setTimeout(async () => {
      worldReload = null;
      try {
        const key = state.persona && state.persona.key;
        await loadWorld();
        state.persona = state.personas.find((x) => x.key === key) || state.persona;
        renderDemoClock();
        renderPersonas();
        renderChatList();
        renderMessages();
      } catch (e) { showError(e); }
    }, 200);
  }

  function handleEvents(events) {
    const affected = new Set();
    let unreadChanged = false;
    let chatsChanged = false;
    for (const ev of events) {
      if (!ev) continue;
      const chatId = ev.chat_id != null ? Number(ev.chat_id) : (ev.message && ev.message.chat ? Number(ev.message.chat.id) : null);
      switch (ev.type) {
        case "message":
          if (chatId != null) {
            countUnread({ ...ev, chat_id: chatId });
            unreadChanged = true;
            affected.add(chatId);
            if (ev.message && isFromBot(ev.message) && actionTimers.has(chatId)) {
              clearTimeout(actionTimers.get(chatId));
              actionTimers.delete(chatId);
            }
          }
          break;
        case "edit":
        case "delete":
        case "pin":
          if (chatId != null) affected.add(chatId);
          break;
        case "callback_answer": {
          const qid = ev.callback_query_id != null ? String(ev.callback_query_id) : (ev.answer && ev.answer.callback_query_id != null ? String(ev.answer.callback_query_id) : null);
          const entry = qid && state.pending.get(qid);
          if (entry && entry.finish) entry.finish(ev.answer || { text: ev.text, show_alert: ev.show_alert, url: ev.url });
          if (chatId != null) affected.add(chatId);
          break;
        }
        case "chat":
          if (ev.chat && ev.chat.id != null) {
            state.chats.set(Number(ev.chat.id), ev.chat);
            chatsChanged = true;
          } else reloadWorldSoon();
          if (chatId != null) affected.add(chatId);
          break;
        case "user":
          if (ev.user && ev.user.id != null) state.users.set(Number(ev.user.id), ev.user);
          else reloadWorldSoon();
          break;
        case "personas":
          reloadWorldSoon();
          break;
        case "demo_clock":
          if (state.world && state.world.demo_clock && ev.status) {
            state.world.demo_clock.status = ev.status;
            renderDemoClock();
          } else reloadWorldSoon();
          break;
        case "action":
          if (chatId != null) showAction(chatId, ev.action);
          break;
        default:
          if (chatId != null) affected.add(chatId);
      }
    }
    const mine = state.persona ? new Set(state.persona.chats.map((c) => c.chat_id)) : new Set();
    for (const id of affected) {
      if (mine.has(id)) refreshChat(id).catch(showError);
      else state.msgs.delete(id); // stale; fetched again when that persona is chosen
    }
    if (unreadChanged || chatsChanged) { renderPersonas(); renderChatList(); }
    if (chatsChanged) renderHeader();
  }

  // "typing…" under the chat title while the bot says it is busy (sendChatAction).
  const actionTimers = new Map();
  function showAction(chatId, action) {
    clearTimeout(actionTimers.get(chatId));
    actionTimers.set(chatId, setTimeout(() => { actionTimers.delete(chatId); if (state.chatId === chatId) renderHeader(); }, 5000));
    if (state.chatId === chatId) renderHeader();
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function pollLoop() {
    let backoff = 1000;
    for (;;) {
      try {
        if (state.offline) {
          // Back online? The emulator may have been restarted (its event counter starts over),
          // so reload everything and continue from its current position.
          await resync({ strict: true });
          state.offline = false;
          hideBanner("offline");
          toast(t("reconnected"));
        }
        const r = await api("/control/events?after=" + encodeURIComponent(state.seq) + "&timeout=25");
        const events = (r && r.events) || [];
        const last = r && r.last_seq != null ? Number(r.last_seq)
          : events.reduce((mx, e) => Math.max(mx, Number(e.seq) || 0), state.seq);
        if (last < state.seq || events.some((e) => e && e.type === "reset")) {
          // The world was reset (or the emulator restarted): start over.
          await resync({ strict: true });
        } else {
          state.seq = last;
          handleEvents(events);
        }
        backoff = 1000;
      } catch (e) {
        if (e && e.offline) {
          state.offline = true;
          showBanner(t("errOffline"), "offline");
        } else {
          showError(e);
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 8000);
      }
    }
  }

  async function resync(opts) {
    try {
      const key = state.persona && state.persona.key;
      await loadWorld();
      if (state.world && state.world.last_seq != null) state.seq = Number(state.world.last_seq);
      state.persona = state.personas.find((x) => x.key === key) || state.personas[0] || null;
      state.msgs.clear();
      state.nodeCache.clear();
      renderDemoClock();
      renderPersonas();
      if (state.persona) await Promise.all(state.persona.chats.map((c) => refreshChat(c.chat_id)));
      renderChatList();
      renderMessages();
    } catch (e) {
      if (opts && opts.strict) throw e;
      showError(e);
    }
  }

  // ---------------------------------------------------------------- i18n UI

  function applyLang(lang) {
    state.lang = lang === "en" ? "en" : "zh";
    store.set("lang", state.lang);
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    for (const node of document.querySelectorAll("[data-i18n-title]")) node.setAttribute("title", t(node.dataset.i18nTitle));
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
    for (const b of document.querySelectorAll(".lang-btn")) b.setAttribute("aria-pressed", b.dataset.lang === state.lang ? "true" : "false");
    state.nodeCache.clear();
    renderDemoClock();
    renderPersonas();
    renderChatList();
    renderMessages();
  }

  // ---------------------------------------------------------------- wiring

  function wire() {
    for (const b of document.querySelectorAll(".lang-btn")) b.addEventListener("click", () => applyLang(b.dataset.lang));
    $("banner-close").addEventListener("click", () => hideBanner());
    $("back-btn").addEventListener("click", () => {
      if (history.state && history.state.view === "chat") history.back(); else backToList();
    });
    window.addEventListener("popstate", () => { if ($("app").dataset.view === "chat" && narrow.matches) backToList(); });

    const input = $("composer-input");
    $("composer").addEventListener("submit", (e) => { e.preventDefault(); submitComposer(); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitComposer();
      }
    });
    input.addEventListener("input", autosize);

    $("photo-btn").addEventListener("click", () => $("photo-input").click());
    $("photo-input").addEventListener("change", (e) => {
      const f = e.target.files && e.target.files[0];
      e.target.value = "";
      if (f) uploadPhoto(f);
    });
    $("location-btn").addEventListener("click", shareLocation);
    $("contact-btn").addEventListener("click", shareContact);
    $("kb-toggle").addEventListener("click", () => {
      const kb = state.chatId != null ? currentReplyKeyboard(state.chatId) : null;
      if (!kb) return;
      const k = state.persona.key + "|" + state.chatId;
      if (state.kbHidden.get(k) === kb.message.message_id) state.kbHidden.delete(k);
      else state.kbHidden.set(k, kb.message.message_id);
      renderReplyKeyboard();
    });
    $("pinned").addEventListener("click", () => { const id = $("pinned").dataset.jump; if (id) jumpTo(id); });

    // Delegated clicks inside messages: deep links, /commands, quotes, spoilers.
    $("messages").addEventListener("click", (e) => {
      const a = e.target.closest("a[data-deeplink]");
      if (a) { e.preventDefault(); openUrl(a.dataset.deeplink).catch(showError); return; }
      const cmd = e.target.closest("button.cmd");
      if (cmd) { sendText(cmd.dataset.command).catch(() => {}); return; }
      const q = e.target.closest("[data-jump]");
      if (q) { jumpTo(q.dataset.jump); return; }
      const sp = e.target.closest(".spoiler");
      if (sp) sp.classList.toggle("revealed");
    });
    const box = $("messages");
    box.addEventListener("scroll", () => {
      stickToBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    }, { passive: true });
    // The reply keyboard, the pinned bar or a taller input shrink the log: keep the bottom in view.
    if (window.ResizeObserver) new ResizeObserver(() => { if (stickToBottom) box.scrollTop = box.scrollHeight; }).observe(box);
    $("messages").addEventListener("keydown", (e) => {
      const sp = e.target.closest && e.target.closest(".spoiler");
      if (sp && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); sp.classList.toggle("revealed"); }
    });

    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && state.persona && state.chatId != null) {
        state.unread.delete(state.persona.key + "|" + state.chatId);
        renderPersonas();
        renderChatList();
      }
    });
    narrow.addEventListener("change", () => {
      if (!narrow.matches && state.chatId == null && state.persona) {
        const pc = privateBotChat(state.persona) || state.persona.chats[0];
        if (pc) openChat(pc.chat_id, { focus: false, push: false });
      }
    });
  }

  async function start() {
    placeholderEl = $("placeholder");
    wire();
    applyLang(state.lang);
    setView("list");
    // Where does the event stream stand right now? Older events are history, not news.
    for (let attempt = 0; ; attempt++) {
      try {
        await loadWorld();
        if (state.world && state.world.last_seq != null) state.seq = Number(state.world.last_seq);
        else {
          const r = await api("/control/events?after=0&timeout=0");
          state.seq = r && r.last_seq != null ? Number(r.last_seq) : 0;
        }
        hideBanner();
        break;
      } catch (e) {
        showError(e);
        await sleep(Math.min(15000, 1000 * 2 ** attempt));
      }
    }
    const savedKey = store.get("persona", null);
    renderDemoClock();
    renderPersonas();
    if (!state.personas.length) { renderChatList(); return pollLoop(); }
    const first = state.personas.find((p) => p.key === savedKey) ? savedKey : state.personas[0].key;
    selectPersona(first).catch(showError);
    pollLoop();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
