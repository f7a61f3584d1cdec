// Live fee on the stay page: asks the server every 15 s (the server computes every figure).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || live.dataset.final === "yes") { return; }
  var token = live.dataset.token, locale = live.dataset.locale;
  function render(view) {
    document.getElementById("fee").textContent = view.fee.formatted;
    document.getElementById("elapsed").textContent = view.elapsed;
    var table = document.getElementById("lines");
    while (table.firstChild) { table.removeChild(table.firstChild); }
    view.fee.lines.forEach(function (line) {
      var tr = document.createElement("tr"), a = document.createElement("td"), b = document.createElement("td");
      a.textContent = line.text; b.textContent = line.formatted; b.className = "num";
      tr.appendChild(a); tr.appendChild(b); table.appendChild(tr);
    });
    var proxy = document.getElementById("proxy-paid");
    if (proxy) { proxy.textContent = view.proxy_paid_formatted; }
    var unpaid = document.getElementById("unpaid-now");
    if (unpaid) { unpaid.textContent = view.unpaid_now_formatted; }
    var list = document.getElementById("payments");
    if (list) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      view.payments.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = (p.who === "proxy" ? live.dataset.proxyLabel + " " + p.payer : live.dataset.cardLabel) +
          " · " + p.formatted;
        list.appendChild(li);
      });
    }
    if (view.status !== "active") { window.location.reload(); }
  }
  function tick() {
    fetch("/api/v1/stays/" + encodeURIComponent(token) + "?lang=" + locale, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) { if (view) { render(view); } })
      .catch(function () { /* offline: keep the last figure, try again next tick */ });
  }
  window.qrparkRefresh = tick;
  setInterval(tick, 15000);
})();
