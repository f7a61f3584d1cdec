// Hands the request on the page to PortOne's browser SDK, which redirects back to qrpark.
(function () {
  "use strict";
  var el = document.getElementById("portone-request");
  var status = document.getElementById("portone-status");
  if (!el || typeof window.PortOne === "undefined") {
    if (status) { status.textContent = "PortOne could not be loaded. Check your connection and reload."; }
    return;
  }
  var d = el.dataset;
  var common = { storeId: d.storeId, channelKey: d.channelKey, redirectUrl: d.redirectUrl };
  var call = d.action === "issue"
    ? window.PortOne.requestIssueBillingKey(Object.assign({ billingKeyMethod: "CARD", issueId: d.issueId }, common))
    : window.PortOne.requestPayment(Object.assign({
        paymentId: d.paymentId, orderName: d.orderName, totalAmount: Number(d.totalAmount),
        currency: d.currency, payMethod: "CARD" }, common));
  Promise.resolve(call).then(function (response) {
    if (!response) { return; } // redirected
    var params = new URLSearchParams();
    ["billingKey", "paymentId", "code", "message"].forEach(function (k) { if (response[k]) { params.set(k, response[k]); } });
    window.location.assign(d.redirectUrl + (d.redirectUrl.indexOf("?") < 0 ? "?" : "&") + params.toString());
  });
})();
