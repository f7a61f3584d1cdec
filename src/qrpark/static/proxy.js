// The proxy payment QR renews itself shortly before it expires (each pass is short-lived and
// single-use); without JavaScript the "new QR" link does the same.
(function () {
  "use strict";
  var renew = document.getElementById("renew");
  if (!renew) { return; }
  var after = parseInt(renew.dataset.after, 10) || 60;
  setTimeout(function () { window.location.replace(renew.getAttribute("href")); }, after * 1000);
})();
