// Minimal stand-in until widget/widget.js lands: mint → connect → send → render frames.
(function () {
  var script = document.currentScript, tokenUrl = (script && script.dataset.tokenUrl) || "/token";
  var box = document.createElement("div"), log = document.createElement("div"), form = document.createElement("form");
  var input = document.createElement("input"), ws = null, current = null;
  box.style.cssText = "position:fixed;right:1rem;bottom:1rem;width:22rem;border:1px solid #ccc;background:#fff;" +
    "font:14px system-ui;box-shadow:0 2px 12px #0002;border-radius:8px;overflow:hidden";
  log.style.cssText = "height:18rem;overflow:auto;padding:.5rem";
  input.style.cssText = "width:100%;box-sizing:border-box;padding:.5rem;border:0;border-top:1px solid #ddd";
  input.placeholder = "Ask a question…"; form.appendChild(input); box.appendChild(log); box.appendChild(form);
  document.body.appendChild(box);
  function line(text, who) {
    var p = document.createElement("p"); p.textContent = text; p.style.margin = ".3rem 0";
    if (who === "me") p.style.textAlign = "right"; log.appendChild(p); log.scrollTop = log.scrollHeight; return p;
  }
  function connect(ready) {
    fetch(tokenUrl, {method: "POST", headers: {"content-type": "application/json"}, body: "{}"})
      .then(function (r) { return r.json(); }).then(function (t) {
        ws = new WebSocket(t.ws_url + "?token=" + encodeURIComponent(t.token));
        ws.onopen = ready; ws.onclose = function () { ws = null; };
        ws.onmessage = function (e) { show(JSON.parse(e.data)); };
      });
  }
  function show(f) {
    if (f.type === "delta") { current = current || line("", "bot"); current.textContent += f.text; }
    else if (f.type === "answer") {
      (current || line("", "bot")).textContent = f.text; current = null;
      f.citations.forEach(function (c) { var a = line("↳ " + c.title, "bot"); a.style.fontSize = "12px"; });
    } else if (f.type === "retract") { if (current) current.textContent = "(withdrawn)"; current = null; }
    else if (f.type === "clarify") line(f.question + (f.options.length ? " (" + f.options.join(" / ") + ")" : ""));
    else if (f.type === "handoff" || f.type === "decline" || f.type === "error") line(f.message);
  }
  form.onsubmit = function (e) {
    e.preventDefault(); var text = input.value.trim(); if (!text) return; input.value = ""; line(text, "me");
    var send = function () {
      ws.send(JSON.stringify({action: "send", id: String(Date.now()) + Math.random(), text: text, page: location.href}));
    };
    if (ws && ws.readyState === 1) send(); else connect(send);
  };
})();
