/*! Website assistant widget — one file, no build step, no dependencies. Apache-2.0.
 * Embed: <script src="https://…/widget.js" data-token-url="https://…/token" async></script>
 * Options (all optional): data-title, data-greeting, data-placeholder, data-accent (CSS colour),
 * data-position ("left" | "right"), data-open ("true" opens on load), data-strings (JSON, any key of S below),
 * data-history ("local": keep the conversation across tabs and visits in localStorage; default this tab only),
 * data-history-days (how long a kept conversation lasts, default 7).
 * Safety: every piece of server or document text becomes DOM text (textContent / text nodes); links are
 * only ever http(s); nothing from the model or the documents can load an image or run script.
 */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[data-token-url]');
  if (!script || !script.dataset.tokenUrl) return;
  var D = script.dataset;
  var TOKEN_URL = new URL(D.tokenUrl, location.href).href;
  var KEY = 'assistant-widget:' + TOKEN_URL;
  var PING_MS = 5 * 60 * 1000; // API Gateway drops sockets idle for 10 minutes
  var WATCHDOG_MS = 60 * 1000; // a lost answer must not block the composer forever
  var EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

  // Every visible or spoken string; override any of them with data-strings='{"send":"Senden",…}'.
  var S = {
    title: 'Help', greeting: 'Hi! Ask me anything about our help centre.', open: 'Open chat',
    close: 'Close chat', placeholder: 'Ask a question…', label: 'Your question', send: 'Send', stop: 'Stop',
    sources: 'Sources', you: 'You', assistant: 'Assistant', connecting: 'Connecting…',
    reconnecting: 'Reconnecting…', stopped: '(stopped)', lost: 'The connection dropped before the answer arrived. ' +
      'Please ask again.', email: 'Email', note: 'Note (optional)', contactSend: 'Send my email',
    badEmail: "That email address doesn't look right.", newTab: '(opens in a new tab)',
    rate_limited: "You're sending messages a little fast. Please wait a moment.",
    too_long: 'That message is too long. Please shorten it.', busy: "I'm still answering. One moment, please.",
    unavailable: 'The assistant is unavailable right now. Please try again later.',
    unauthorized: 'Your session has expired. Please reload the page.',
    bad_request: "Sorry, I couldn't read that message.", error: 'Something went wrong. Please try again.',
    up: 'Helpful', down: 'Not helpful', wrong: 'What was wrong? (optional)', rate: 'Send', thanks: 'Thanks for the feedback.',
    staff: 'Staff', table: 'Table'
  };
  try { Object.assign(S, JSON.parse(D.strings || '{}')); } catch (e) { /* bad JSON: the defaults */ }
  ['title', 'greeting', 'placeholder'].forEach(function (k) { if (D[k]) S[k] = D[k]; });

  // ---- state kept across pages (this tab; every tab with data-history="local") ----
  var LOCAL = D.history === 'local', DAYS = (parseFloat(D.historyDays) || 7) * 864e5;
  var state = load();
  function store() {
    try { return LOCAL ? localStorage : sessionStorage; } catch (e) { return null; }
  }
  function load() {
    var s = null;
    try { s = JSON.parse(store().getItem(KEY)); } catch (e) { /* off or garbage: afresh */ }
    s = s && typeof s === 'object' ? s : {};
    if (LOCAL && !(s.at > Date.now() - DAYS)) s = {}; // a kept conversation expires
    s.log = Array.isArray(s.log) ? s.log : [];
    return s;
  }
  function save() {
    state.log = state.log.slice(-40);
    state.at = Date.now();
    try { store().setItem(KEY, JSON.stringify(state)); } catch (e) { /* storage off: still works */ }
  }

  // ---- DOM helpers: the only way anything reaches the page ----
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }
  function safeUrl(u) {
    try {
      var p = new URL(String(u)); // absolute only: relative or odd URLs are dropped
      return p.protocol === 'https:' || p.protocol === 'http:' ? p.href : null;
    } catch (e) { return null; }
  }
  function link(url, text) {
    var a = el('a', '', text);
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    a.append(el('span', 'sr', ' ' + S.newTab));
    return a;
  }

  // Markdown subset → DOM: paragraphs, lists, # headings, **bold**, *italic*, `code`, pipe tables, http(s)
  // links. Images and other links are their text alone.
  var INLINE = /`([^`]+)`|\*\*((?:[^*]|\*(?!\*))+)\*\*|__([^_]+)__|\*([^*\s](?:[^*]*[^*\s])?)\*|\b_([^_]+)_\b|(!?)\[([^\]]*)\]\(((?:[^()\s]|\([^()\s]*\))*)(?:\s[^)]*)?\)/g;
  function inline(text, parent) {
    var last = 0; // replace() finds all matches before calling back: recursion is safe
    text.replace(INLINE, function (all, code, b1, b2, i1, i2, img, label, url, at) {
      var u;
      parent.append(text.slice(last, at));
      last = at + all.length;
      if (code) parent.append(el('code', '', code));
      else if (b1 || b2) inline(b1 || b2, parent.appendChild(el('strong')));
      else if (i1 || i2) inline(i1 || i2, parent.appendChild(el('em')));
      else if (img || !(u = safeUrl(url))) parent.append(label);
      else parent.append(link(u, label || u));
    });
    parent.append(text.slice(last));
  }
  // Pipe tables (header, |---|:-:| separator, rows) in a labelled, scrollable region.
  var SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
  function cells(line) { return line.trim().replace(/^\||\|$/g, '').split('|').map(function (c) { return c.trim(); }); }
  function table(rows, parent) {
    var box = parent.appendChild(el('div', 'tw')), t = box.appendChild(el('table')), body = null;
    var align = cells(rows[1]).map(function (c) { return /^:-+:$/.test(c) ? 'center' : /-:$/.test(c) ? 'right' : ''; });
    box.tabIndex = 0; // scrollable by keyboard
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', S.table);
    rows.forEach(function (row, i) {
      if (i === 1) return;
      var tr = (i ? body || (body = t.appendChild(el('tbody'))) : t.appendChild(el('thead'))).appendChild(el('tr'));
      cells(row).forEach(function (c, j) {
        var cell = tr.appendChild(el(i ? 'td' : 'th'));
        if (!i) cell.scope = 'col';
        if (align[j]) cell.style.textAlign = align[j];
        inline(c, cell);
      });
    });
  }
  // By block: one shown before with the same text keeps its nodes (a stream renders its tail only).
  function markdown(text, parent) {
    var done = parent.mb || (parent.mb = []), k = 0;
    String(text).replace(/\r\n?/g, '\n').split(/\n{2,}/).forEach(function (block) {
      if (done[k] && done[k][0] === block) return k++;
      drop(done.splice(k));
      var list = null, item = null, para = null, lines = block.split('\n'), rows = null, n0 = parent.childNodes.length;
      lines.forEach(function (line, n) {
        var m = /^\s*(?:[-*+]|(\d+)[.)])\s+(.*)$/.exec(line), h = /^#{1,6}\s+(.*)$/.exec(line);
        if (rows) {
          if (line.indexOf('|') >= 0 || !rows[1]) { rows.push(line); return; } // (the separator's pipes are optional)
          table(rows, parent);
          rows = null;
        }
        if (line.indexOf('|') >= 0 && SEP.test(lines[n + 1] || '')) {
          rows = [line];
          list = item = para = null;
        } else if (m) {
          var tag = m[1] ? 'OL' : 'UL';
          if (!list || list.tagName !== tag) list = parent.appendChild(el(tag));
          inline(m[2], item = list.appendChild(el('li')));
          para = null;
        } else if (item && /^\s+\S/.test(line)) {
          inline(' ' + line.trim(), item); // a wrapped list item
        } else if (h) {
          inline(h[1], parent.appendChild(el('p')).appendChild(el('strong')));
          list = item = para = null;
        } else if (line.trim()) {
          if (para) para.append(el('br'));
          else para = parent.appendChild(el('p'));
          inline(line, para);
          list = item = null;
        }
      });
      if (rows) table(rows, parent);
      done[k++] = [block, [].slice.call(parent.childNodes, n0)];
    });
    drop(done.splice(k));
  }
  function drop(blocks) { blocks.forEach(function (b) { b[1].forEach(function (n) { n.remove(); }); }); }
  // A streaming answer without unpaired markers (** __ ` * dropped, [link](… as text); a bare list or
  // heading marker, or table rows before their separator, wait.
  function settled(text) {
    var cut = text.lastIndexOf('\n\n') + 1, head = text.slice(0, cut), lines = text.slice(cut).split('\n');
    if (/^\s*([-*+]|\d+[.)]|#{1,6})?\s*$/.test(lines[lines.length - 1])) lines.pop();
    var k = lines.length;
    while (k && lines[k - 1].indexOf('|') >= 0) k--;
    if (k < lines.length && !/\|\s*$/.test(lines[lines.length - 1])) lines.pop(); // a row still arriving
    if (k < lines.length && !SEP.test(lines[k + 1] || '')) lines.length = k; // rows wait for their separator
    var tail = lines.join('\n').replace(/!?\[([^\]\n]*)(\]\((?:[^()\s]|\([^()\s]*\)?)*)?$|!?\[([^\]\n]*)\]$/, '$1$3');
    ['**', '__', '`'].forEach(function (mark) {
      var parts = tail.split(mark);
      if (parts.length % 2 === 0) tail = parts.slice(0, -1).join(mark) + parts[parts.length - 1];
    });
    var single = tail.replace(/^\s*\*\s/gm, '  ').replace(/\*\*/g, '  ').match(/\*/g);
    if (single && single.length % 2) tail = tail.replace(/\*(?!\*)(?=[^*]*$)/, '');
    return head + tail;
  }

  // ---- the UI, inside a shadow root so page CSS and widget CSS never meet ----
  var STYLE = ':host{all:initial!important;display:block!important}' +
    '*{box-sizing:border-box}[hidden]{display:none!important}' +
    '.w{--a:#1d6b4f;--at:#fff;--bg:#fff;--fg:#1f2328;--mu:#59636e;--bb:#eef1f3;--bd:#d0d7de;--ln:var(--a);' +
    '--ib:#7d8691;--ring:#0b57d0;font:15px/1.45 system-ui,"Segoe UI",Roboto,sans-serif;color:var(--fg)}' +
    '@media (prefers-color-scheme:dark){.w{--bg:#1b1f24;--fg:#e6edf3;--mu:#a4adb8;--bb:#2a3038;--bd:#444c56;' +
    '--ln:#8fd8b8;--ib:#8b949e;--ring:#8ab4f8}}' +
    'button,input,textarea{font:inherit;color:inherit}button{cursor:pointer}' +
    ':focus-visible{outline:3px solid var(--ring);outline-offset:2px}' +
    '.l{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;' +
    'border:0;background:var(--a);color:var(--at);box-shadow:0 4px 14px #0004;display:grid;' +
    'place-items:center}.l svg{width:28px;height:28px;fill:currentColor}' +
    '.p{position:fixed;bottom:20px;right:20px;z-index:2147483001;width:380px;height:min(620px,calc(100vh - 40px));' +
    'display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--bd);border-radius:14px;' +
    'box-shadow:0 10px 40px #0005;overflow:hidden}' +
    '.left .l,.left .p{right:auto;left:20px}' +
    '.hd{display:flex;align-items:center;gap:8px;padding:10px 10px 10px 16px;background:var(--a);color:var(--at)}' +
    'h2{flex:1;margin:0;font-size:16px;font-weight:600}' +
    '.x{width:36px;height:36px;border:0;border-radius:8px;background:transparent;color:inherit;font-size:24px;' +
    'line-height:1}.x:focus-visible{outline-color:currentColor;outline-offset:-3px}' +
    '.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px}' +
    '.m{max-width:88%;padding:8px 12px;border-radius:12px;background:var(--bb);overflow-wrap:anywhere;' +
    'white-space:pre-wrap}.m.md{white-space:normal}' +
    '.m p,.m ul,.m ol{margin:0 0 .5em}.m>:last-child{margin-bottom:0}.m ul,.m ol{padding-left:1.3em}' +
    '.m code{font:13px ui-monospace,monospace;background:#8882;padding:0 3px;border-radius:4px}' +
    '.v{align-self:flex-end;background:var(--a);color:var(--at)}.v.q{opacity:.7}' +
    '.s{align-self:center;background:transparent;color:var(--mu);font-size:13px;text-align:center}' +
    'a{color:var(--ln)}.src{margin-top:8px;font-size:13px;color:var(--mu)}.src ul{margin:2px 0 0}' +
    '.o{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}' +
    '.o button,.c button{border:1px solid var(--ln);background:var(--bg);color:var(--ln);border-radius:16px;' +
    'padding:4px 12px}.o button:disabled{opacity:.55;cursor:default}' +
    '.c,fieldset{display:grid;gap:6px}.c{margin-top:8px;white-space:normal}.c label{font-size:13px;display:grid;' +
    'gap:2px}fieldset{border:0;padding:0;margin:0;min-width:0}' +
    '.c input,.c textarea,.f textarea{background:var(--bg);border:1px solid var(--ib);border-radius:8px;' +
    'padding:6px 8px;width:100%}.c button{justify-self:start;background:var(--a);color:var(--at)}' +
    '.t::after{content:"…";letter-spacing:2px}' +
    '.tw{overflow-x:auto;margin:0 0 .5em}.tw table{border-collapse:collapse;font-size:13px}' +
    'th,td{border:1px solid var(--bd);padding:3px 6px;text-align:left;vertical-align:top}' +
    '.sf{border-left:3px solid var(--a)}.sf .n{display:block;font-weight:600;font-size:13px}' +
    '.fb{display:flex;align-items:center;gap:4px;margin-top:6px;font-size:13px;color:var(--mu)}' +
    '.fb button{border:1px solid var(--bd);background:var(--bg);border-radius:8px;padding:2px 8px;' +
    'line-height:1.3}.fb [aria-pressed=true]{border-color:var(--ln);background:var(--bb)}' +
    '.st{margin:0;padding:4px 14px;font-size:13px;color:var(--mu)}' +
    '.f{display:flex;gap:6px;align-items:flex-end;padding:10px;border-top:1px solid var(--bd)}' +
    '.f textarea{flex:1;resize:none;max-height:120px;min-height:44px}' +
    '.f button{height:40px;padding:0 14px;border-radius:8px;border:0;background:var(--a);color:var(--at);' +
    'font-weight:600}.f .k{background:var(--bb);color:var(--fg);border:1px solid var(--bd)}' +
    '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}' +
    '@media (max-width:480px){.p{inset:0!important;width:100%;height:100%;border-radius:0;border:0}' +
    'textarea,input{font-size:16px!important}.x,.f>*,.o button,.c button,.fb button,.c input{min-width:44px;' +
    'min-height:44px}' +
    '.src li a{display:inline-flex;align-items:center;min-height:44px}}' +
    '@media (prefers-reduced-motion:no-preference){.p{animation:in .18s ease-out}.log{scroll-behavior:smooth}' +
    '.t::after{animation:b 1s steps(4) infinite}@keyframes in{from{opacity:0;transform:translateY(12px)}}' +
    '@keyframes b{0%{content:""}25%{content:"."}50%{content:".."}75%{content:"…"}}}';

  var host = document.createElement('assistant-widget');
  var root = host.attachShadow({ mode: 'open' });
  // Constructed CSSOM, not <style>: works under a CSP without style-src 'unsafe-inline'.
  var style = null;
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
  } catch (e) { style = el('style', '', STYLE); }
  var wrap = el('div', 'w' + (D.position === 'left' ? ' left' : ''));
  var launcher = el('button', 'l');
  launcher.setAttribute('aria-label', S.open);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'wa-panel');
  var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  var path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 ' +
    '1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z');
  svg.append(path);
  launcher.append(svg);

  var panel = el('section', 'p');
  panel.id = 'wa-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'true');
  panel.setAttribute('aria-labelledby', 'wa-title');
  var head = el('div', 'hd'); // not <header>: the page has its own banner landmark
  var title = el('h2', '', S.title);
  title.id = 'wa-title';
  var closeBtn = el('button', 'x', '×');
  closeBtn.setAttribute('aria-label', S.close);
  head.append(title, closeBtn);
  // The one live region: polite; aria-busy while streaming, so an answer is read once, complete.
  var log = el('div', 'log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-label', S.title);
  log.tabIndex = 0; // scrollable by keyboard
  var status = el('p', 'st');
  status.hidden = true;
  var form = el('form', 'f');
  var input = el('textarea');
  input.id = 'wa-q';
  input.rows = 1;
  input.maxLength = 1000; // the server's limit
  input.placeholder = S.placeholder;
  input.setAttribute('aria-label', S.label);
  var stopBtn = el('button', 'k', S.stop);
  stopBtn.type = 'button';
  stopBtn.hidden = true;
  var sendBtn = el('button', '', S.send);
  sendBtn.type = 'submit';
  form.append(input, stopBtn, sendBtn);
  panel.append(head, log, status, form);
  wrap.append(launcher, panel);
  if (style) root.append(style);
  root.append(wrap);

  if (D.accent && CSS.supports('color', D.accent)) {
    wrap.style.setProperty('--a', D.accent);
    wrap.style.setProperty('--at', readableOn(D.accent));
  }
  // Black or white, whichever contrasts more with the accent (WCAG luminance).
  function readableOn(color) {
    var c = document.createElement('canvas').getContext('2d');
    c.fillStyle = color; // reads back normalised: "#rrggbb" or "rgba(r, g, b, a)"
    var v = c.fillStyle, rgb = v[0] === '#' ? [1, 3, 5].map(function (i) { return parseInt(v.substr(i, 2), 16); })
      : v.match(/[\d.]+/g).slice(0, 3);
    var lum = rgb.reduce(function (sum, x, i) {
      x /= 255;
      return sum + [0.2126, 0.7152, 0.0722][i] * (x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
    }, 0);
    return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? '#111' : '#fff';
  }

  function scroll() { log.scrollTop = log.scrollHeight; }
  function bubble(cls, text) {
    var b = el('div', 'm ' + cls, text);
    log.append(b);
    scroll();
    return b;
  }
  function note(text) { return bubble('s', text); }
  function sources(citations, parent) {
    var seen = {}, ul = el('ul');
    (citations || []).forEach(function (c) {
      if (!c) return;
      var u = safeUrl(c.url), name = String(c.title || u || '');
      if (!name || seen[u || name]) return;
      seen[u || name] = 1;
      ul.appendChild(el('li')).append(u ? link(u, name) : name); // no usable URL: the title, as text
    });
    if (!ul.firstChild) return;
    parent.appendChild(el('div', 'src', S.sources + ':')).append(ul);
  }
  // Rendered once per text: the final frame does not re-flow what the stream showed.
  function render(b, text) {
    b.className = 'm a md';
    if (b.shown !== text) markdown(b.shown = text, b);
  }
  function assistantText(b, text, citations) {
    render(b, text);
    sources(citations, b);
    scroll();
  }
  function remember(role, text, citations, more) {
    var entry = Object.assign({ r: role, t: text, c: citations || undefined }, more);
    state.log.push(entry);
    save();
    return entry;
  }
  function restore() {
    bubble('a', S.greeting);
    state.log.forEach(function (i) {
      if (i.r === 'v') bubble('v', i.t);
      else if (i.r === 's') staffText(i.n, i.t);
      else {
        var b = bubble('a');
        assistantText(b, i.t, i.c);
        if (i.u) thumbs(b, i);
      }
    });
  }
  function staffText(name, text) {
    var b = bubble('sf md');
    b.append(el('span', 'n', name || S.staff));
    markdown(text, b);
    scroll();
  }

  // 👍 / 👎 under an answer; 👎 also opens an optional comment, sent as a second rating.
  var rated = {}, rater = null; // by turn; the last sent (an error reverts it)
  function thumbs(b, entry) {
    var box = el('div', 'fb'), form = null, say = null, note = el('span', 'sr');
    function button(face, label, rating) {
      var x = el('button', '', face);
      x.setAttribute('aria-label', label);
      x.onclick = function () {
        if (x.getAttribute('aria-pressed') !== 'true') send(rating);
        if (rating === 'down') ask(); else close(false);
      };
      box.append(x);
      return x;
    }
    var up = button('👍', S.up, 'up'), down = button('👎', S.down, 'down');
    function mark(r) {
      up.setAttribute('aria-pressed', String(r === 'up'));
      down.setAttribute('aria-pressed', String(r === 'down'));
    }
    function send(rating, comment) {
      var frame = { action: 'feedback', turn: entry.u, rating: rating };
      if (comment) frame.comment = comment;
      mark(rating);
      raw(frame);
      rater = me;
    }
    function close(refocus) {
      if (form) { form.remove(); form = say = null; }
      if (refocus) down.focus();
    }
    function ask() {
      if (form) return say.focus();
      form = el('form', 'c');
      var label = el('label', '', S.wrong), go = el('button', '', S.rate);
      say = el('input');
      say.maxLength = 500;
      label.append(say);
      form.append(label, go);
      form.onsubmit = function (e) {
        e.preventDefault();
        if (!say.value.trim()) return close(true);
        say.readOnly = true; // until stored; an error hands it back
        send('down', say.value.trim());
      };
      say.onkeydown = function (e) { // Escape closes this box, not the chat
        if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(true); }
      };
      box.after(form);
      say.focus();
    }
    // feedback_saved (its rating) or an error (nothing): show what the server has
    var me = rated[entry.u] = function (saved) {
      if (saved) { entry.f = saved; save(); note.textContent = S.thanks; } // in the live log: announced
      mark(entry.f);
      if (say && say.readOnly) { if (saved) close(form.contains(root.activeElement)); else say.readOnly = false; }
    };
    mark(entry.f);
    box.append(note);
    b.append(box);
  }

  // ---- tokens: minted on first open, refreshed before expiry ----
  var tokenPromise = null, tokenUsed = false, refreshTimer = 0;
  function mint() {
    if (tokenPromise) return tokenPromise;
    var body = state.tok ? { previous: state.tok } : {};
    tokenPromise = post(body).catch(function (e) {
      if (!body.previous || e.status !== 400 && e.status !== 401) throw e;
      // Too old or the key rotated: a new session, whose turns are not the old answers' to rate.
      state.log.forEach(function (i) { i.u = 0; });
      log.querySelectorAll('.fb').forEach(function (n) { n.remove(); });
      return post({});
    }).then(function (t) {
      state.tok = t.token;
      state.ws = t.ws_url;
      state.exp = Date.now() + t.expires_in * 1000;
      tokenUsed = false;
      save();
      if (ws) refreshSoon();
    }).finally(function () { tokenPromise = null; });
    return tokenPromise;
  }
  // Refresh at ~80% of the token's life (≤ 60 s early): a reconnect needs a fresh one.
  function refreshSoon() {
    var left = (state.exp - Date.now()) / 1000;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { mint().catch(function () {}); },
      Math.max(1, left - Math.min(60, left / 5)) * 1000);
  }
  function post(body) {
    return fetch(TOKEN_URL, { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body) }).then(function (r) {
      if (!r.ok) throw Object.assign(new Error('token ' + r.status), { status: r.status });
      return r.json();
    });
  }

  // ---- the socket: one at a time, reconnected with backoff and jitter ----
  var ws = null, attempt = 0, retryTimer = 0, pingTimer = 0, everConnected = false, authFailures = 0;
  var queue = [], active = null, rawQueue = [], turns = {}, watchdog = 0;
  function wanted() { return !panel.hidden || active || queue.length || rawQueue.length; }
  function connect() {
    if (ws || retryTimer || !navigator.onLine && attempt) return;
    setStatus(everConnected ? S.reconnecting : S.connecting);
    var need = !state.tok || tokenUsed || state.exp - Date.now() < 30000;
    ws = { readyState: 0, close: function () {}, send: function () {} }; // placeholder: no double connects
    (need ? mint() : tokenPromise || Promise.resolve()).then(function () {
      var sock = new WebSocket(state.ws + (state.ws.indexOf('?') < 0 ? '?' : '&') + 'token=' +
        encodeURIComponent(state.tok));
      tokenUsed = true;
      ws = sock;
      sock.onopen = function () {
        attempt = 0;
        everConnected = true;
        setStatus('');
        clearInterval(pingTimer);
        pingTimer = setInterval(function () { if (wanted()) raw({ action: 'ping' }); }, PING_MS);
        refreshSoon();
        raw({ action: 'ping' }); // answered with staff replies kept while we were away
        rawQueue.splice(0).forEach(raw);
        if (active) sendActive(); // unacknowledged: resend, same id (idempotent)
        pump();
      };
      sock.onmessage = function (e) {
        if (ws !== sock) return;
        var f;
        try { f = JSON.parse(e.data); } catch (x) { return; }
        if (f && typeof f === 'object') onFrame(f);
      };
      sock.onclose = function () { if (ws === sock) dropped(); };
    }).catch(function () { ws = null; retry(); });
  }
  function dropped() {
    ws = null;
    clearInterval(pingTimer);
    clearTimeout(refreshTimer);
    if (active && active.turn) { // its answer went to the old connection
      var t = turns[active.turn];
      if (t && t.b && !t.text) t.b.remove();
      note(S.lost);
      finish();
    } else if (active) active.sent = false;
    if (wanted()) retry();
    else setStatus('');
  }
  function retry() {
    if (retryTimer) return;
    setStatus(S.reconnecting);
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(function () { retryTimer = 0; if (wanted()) connect(); }, delay);
  }
  function setStatus(text) { status.textContent = text; status.hidden = !text; }
  function open() { return ws && ws.readyState === 1; }
  function raw(frame) {
    if (open()) ws.send(JSON.stringify(frame));
    else if (frame.action !== 'ping') { rawQueue.push(frame); connect(); }
  }
  window.addEventListener('online', function () {
    if (!ws && wanted()) { clearTimeout(retryTimer); retryTimer = 0; connect(); }
  });

  // ---- conversation ----
  function uuid() {
    var h = Array.from(crypto.getRandomValues(new Uint8Array(16)), function (x, i) {
      return ((i === 6 ? x & 15 | 64 : i === 8 ? x & 63 | 128 : x) + 256).toString(16).slice(1);
    }).join('');
    return h.replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  }
  function ask(text) {
    text = text.trim();
    if (!text) return;
    var b = bubble('v q', text);
    queue.push({ id: uuid(), text: text, b: b, tries: 0, entry: remember('v', text) });
    pump();
  }
  function pump() {
    if (active || !queue.length) return;
    if (!open()) { connect(); return; }
    active = queue.shift();
    sendActive();
  }
  function sendActive() {
    if (!open()) return connect();
    ws.send(JSON.stringify({ action: 'send', id: active.id, text: active.text, page: location.href.slice(0, 2048) }));
    active.sent = true;
    kick();
  }
  function kick() {
    clearTimeout(watchdog);
    watchdog = setTimeout(function () {
      if (active) { active.b.classList.remove('q'); note(S.unavailable); stopTurn(false); }
    }, WATCHDOG_MS);
  }
  function finish() {
    clearTimeout(watchdog);
    active = null;
    log.removeAttribute('aria-busy');
    var refocus = root.activeElement === stopBtn;
    stopBtn.hidden = true;
    if (refocus) input.focus();
    pump();
  }
  function turn(id) {
    var t = turns[id] || (turns[id] = { text: '' });
    if (!t.b) { t.b = bubble('a t'); t.text = ''; }
    return t;
  }
  function stopTurn(send) {
    var t = active && active.turn && turns[active.turn];
    if (t) {
      t.stopped = true;
      if (send) raw({ action: 'stop', turn: active.turn });
      if (!t.text) t.b.remove();
      else { t.b.className = 'm a'; t.b.append(' ' + S.stopped); remember('a', t.text + ' ' + S.stopped); }
    }
    finish();
  }
  function onFrame(f) {
    var type = f.type, t = typeof f.turn === 'string' && turns[f.turn];
    if (t && t.stopped && type !== 'staff') return; // stopped by the visitor: no more of it
    if (active && f.turn === active.turn) kick();
    if (type === 'ack') {
      if (!active || f.id !== active.id) return;
      active.turn = f.turn;
      active.b.classList.remove('q');
      authFailures = 0;
      kick();
      log.setAttribute('aria-busy', 'true');
      stopBtn.hidden = false;
      turn(f.turn);
    } else if (type === 'delta' && typeof f.text === 'string') {
      t = turn(f.turn);
      t.text += f.text;
      render(t.b, settled(t.text)); // Markdown as it streams, never its raw markers
      scroll();
    } else if (type === 'retract') {
      if (t && t.b) { t.b.remove(); t.b = null; t.text = ''; }
    } else if (type === 'answer' || type === 'clarify' || type === 'decline' || type === 'handoff') {
      t = turn(f.turn);
      var A = type === 'answer', text = String((A ? f.text : type === 'clarify' ? f.question : f.message) || '');
      assistantText(t.b, text, A && f.citations);
      var entry = remember('a', text, A && f.citations, A && { u: f.turn });
      if (A) thumbs(t.b, entry);
      if (type === 'clarify') options(t.b, f.options);
      if (type === 'handoff') {
        if (t.form && !f.ask_contact) {
          var lost = !root.activeElement || t.form.contains(root.activeElement);
          t.form.remove();
          t.form = contactPending = null;
          if (lost) input.focus(); // to the question box, not the page body
        }
        if (f.ask_contact && !t.form) {
          t.b.append(t.form = contactForm(f.turn));
          t.form.scrollIntoView({ block: 'nearest' });
          t.form.querySelector('input').focus();
        }
      }
      t.text = text;
      t.b = null; // the turn's next frame (e.g. contact saved) gets a bubble of its own
      if (f.turn === (active && active.turn)) finish();
      else scroll();
    } else if (type === 'feedback_saved' && rated[f.turn]) {
      rated[f.turn](f.rating);
    } else if (type === 'staff' && typeof f.text === 'string') {
      var id = String(f.id || '');
      if (id && state.log.some(function (i) { return i.i === id; })) return; // shown already
      staffText(String(f.name || ''), f.text);
      remember('s', f.text, 0, { n: String(f.name || ''), i: id });
    } else if (type === 'error') {
      onError(f);
    }
  }
  function onError(f) {
    var msg = typeof f.message === 'string' && f.message ? f.message : S[f.code] || S.error;
    if (active && !active.turn) { // the server refused the message itself
      if (f.code === 'busy' && active.tries++ < 5) { // the last turn is winding down: retry
        var a = active;
        return setTimeout(function () { if (active === a) sendActive(); }, 1500);
      }
      if (f.code === 'unauthorized' && ++authFailures < 3) { // the connection record is gone: reconnect
        active.sent = false;
        return ws.close();
      }
      if (f.code === 'rate_limited' || f.code === 'too_long') { // not sent: give the text back
        var i = state.log.lastIndexOf(active.entry);
        if (i >= 0) state.log.splice(i, 1);
        save();
        active.b.remove();
        if (!input.value) { input.value = active.text; grow(); }
        input.focus();
      } else active.b.classList.remove('q');
      finish();
    }
    if (contactPending) { contactPending.disabled = false; contactPending = null; }
    if (rater) rater();
    note(msg);
  }
  function options(b, opts) {
    if (!Array.isArray(opts) || !opts.length) return;
    var box = el('div', 'o');
    opts.slice(0, 4).forEach(function (o) {
      var btn = el('button', '', String(o));
      btn.onclick = function () {
        box.querySelectorAll('button').forEach(function (x) { x.disabled = true; });
        input.focus();
        ask(String(o));
      };
      box.append(btn);
    });
    b.append(box);
  }
  var contactPending = null;
  function contactForm(turnId) {
    var f = el('form', 'c'), set = el('fieldset');
    var email = el('input'), noteIn = el('textarea'), l1 = el('label', '', S.email), l2 = el('label', '', S.note);
    email.type = 'email';
    email.autocomplete = 'email';
    email.required = true;
    email.maxLength = 254;
    noteIn.rows = 2;
    noteIn.maxLength = 1000;
    l1.append(email);
    l2.append(noteIn);
    var btn = el('button', '', S.contactSend);
    set.append(l1, l2, btn);
    f.append(set);
    f.noValidate = true; // our own check, the same in every browser
    f.onsubmit = function (e) {
      e.preventDefault();
      var v = email.value.trim();
      if (!EMAIL.test(v)) { note(S.badEmail); email.focus(); return; }
      var frame = { action: 'contact', turn: turnId, email: v };
      if (noteIn.value.trim()) frame.note = noteIn.value.trim();
      set.disabled = true;
      contactPending = set;
      raw(frame);
    };
    return f;
  }

  // ---- open, close, keyboard ----
  var started = false;
  function show() {
    if (!started) { started = true; restore(); }
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    state.open = 1;
    save();
    scroll();
    input.focus();
    if (!ws) connect();
  }
  function hide() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    state.open = 0;
    save();
    launcher.focus();
  }
  launcher.onclick = show;
  closeBtn.onclick = hide;
  stopBtn.onclick = function () { stopTurn(true); };
  form.onsubmit = function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = '';
    grow();
    ask(text);
  };
  function grow() { input.style.height = 'auto'; input.style.height = input.scrollHeight + 2 + 'px'; }
  input.oninput = grow;
  input.onkeydown = function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  };
  panel.onkeydown = function (e) {
    if (e.key === 'Escape') { e.preventDefault(); hide(); return; }
    if (e.key !== 'Tab') return;
    // Keep focus inside the open panel.
    var items = [].filter.call(panel.querySelectorAll('button,textarea,input,a[href],[tabindex="0"]'),
      function (n) { return !n.disabled && n.getClientRects().length; });
    var first = items[0], last = items[items.length - 1], cur = root.activeElement;
    if (e.shiftKey ? cur === first : cur === last) { e.preventDefault(); (e.shiftKey ? last : first).focus(); }
  };

  function mount() {
    if (document.querySelector('assistant-widget')) return; // the snippet was pasted twice
    document.body.append(host);
    if (state.tok) mint().catch(function () {}); // a new page: keep the session alive
    if (state.open || D.open === 'true') show();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
